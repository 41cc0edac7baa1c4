{{- define "federation.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: multicloud-platform
multicloud.io/cluster: {{ required "cluster is set by the ApplicationSet" .Values.cluster | quote }}
{{- end -}}
