{{- define "sample-app.labels" -}}
app.kubernetes.io/part-of: sample-app
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sample-app.runsFrontend" -}}
{{- if has .Values.role (list "frontend" "both") }}true{{ end -}}
{{- end -}}

{{- define "sample-app.runsBackend" -}}
{{- if has .Values.role (list "backend" "both") }}true{{ end -}}
{{- end -}}

{{/*
One podinfo Deployment. Args: root context, component, variant, tag, extra args.
*/}}
{{- define "sample-app.deployment" -}}
{{- $ := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .component }}-{{ .variant }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "sample-app.labels" $ | nindent 4 }}
    app: {{ .component }}
    version: {{ .variant }}
  annotations:
    checkov.io/skip1: CKV_K8S_43=Pinned by tag in values.yaml; a digest would be pinned per release by the team's image policy
spec:
  replicas: {{ .replicas }}
  selector:
    matchLabels:
      app: {{ .component }}
      version: {{ .variant }}
  template:
    metadata:
      labels:
        app: {{ .component }}
        version: {{ .variant }}
    spec:
      serviceAccountName: {{ .component }}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: podinfo
          image: "{{ $.Values.image.repository }}:{{ .tag }}"
          imagePullPolicy: Always
          command: ["./podinfo"]
          args:
            - --port=9898
            - --level=info
            - --data-path=/data
            {{- range .args }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - name: http
              containerPort: 9898
              protocol: TCP
          readinessProbe:
            httpGet:
              path: /readyz
              port: 9898
          livenessProbe:
            httpGet:
              path: /healthz
              port: 9898
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 500m
              memory: 128Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          emptyDir: {}
{{- end -}}
