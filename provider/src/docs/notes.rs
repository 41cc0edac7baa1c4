//! The hand-written parts of the reference pages: what the schemas cannot say (import details,
//! planning rules, drift and failure behaviour), and where each page sits in the Registry's
//! navigation.

/// The narrative that follows a resource's Import section (its own `##` sections included).
pub fn import_note(name: &str) -> Option<String> {
    match name {
        "multicloud_psk" => Some(
            "Import takes the key itself (it must already be valid for all three clouds), or \
             `env:NAME` to read it from an environment variable, which keeps it out of shell history \
             and out of Terraform's \"Importing from ID\" line:\n\n\
             ```shell\nMY_PSK=\"$EXISTING_KEY\" terraform import multicloud_psk.shared env:MY_PSK\n```\n\n\
             An imported key keeps its length when `length` is not set, and adopts configured `keepers` \
             without being replaced.\n\n\
             On Terraform 1.12+, an `import` block can name the key by identity instead: `id` is the id the key \
             gets (e.g. the one it had in another state) and `key_env` the environment variable holding the key; \
             the key itself is never part of an identity:\n\n\
             ```hcl\nimport {\n  to       = multicloud_psk.shared\n  identity = { id = \"psk-00000000000000aa\", key_env = \"MY_PSK\" }\n}\n```\n"
                .to_string(),
        ),
        "multicloud_mesh_trust" => Some(MESH_TRUST_NOTES.to_string()),
        "multicloud_global_lb" => Some(GLOBAL_LB_NOTES.to_string()),
        "multicloud_vpn_gateway" => Some(VPN_GATEWAY_NOTES.to_string()),
        "multicloud_vpn_connection" => Some(VPN_CONNECTION_NOTES.to_string()),
        _ => None,
    }
}

const GLOBAL_LB_NOTES: &str = "By DNS backend, zone and hostname:

```shell
terraform import multicloud_global_lb.app route53:Z0123456789ABC:app.example.com
terraform import multicloud_global_lb.app cloudflare:023e105f4ecef8ad9ca31a8372d0c353:app.example.com
```

Records, health checks, pools and monitors are read back into the configuration; what no API records (a \
backend's `cloud` and `region` outside latency routing) is filled in by the first apply, in place.

## Failover time

`estimated_failover_seconds` is known at plan:

| DNS backend | estimate |
|---|---|
| Route 53 | interval × failure_threshold + ttl: each health checker declares a failure within interval × threshold, and Route 53 needs fewer than 18 % of checkers reporting healthy |
| Cloudflare (DNS only) | interval × failure_threshold + timeout × (retries + 1) + ttl: a failed check retries at once; the provider uses 1 retry and a timeout of min(5, (interval − 1) / 2) s, rounded down |
| Cloudflare (proxied) | as above without the ttl: clients keep Cloudflare's addresses |

With `max_failover_seconds` set, a plan whose estimate is larger fails on that attribute and names settings that fit, \
changing as few knobs as possible (e.g. `interval 10 s, threshold 2, ttl 10 → 30 s`). The same arithmetic is the \
provider function `provider::multicloud::failover_seconds(\"route53\", 10, 2, 10)` (Terraform 1.8+).

## Changes and drift

Adding or removing a backend touches only its own health check and records (or monitor and pool). A refresh \
compares every record, health check, pool, monitor and the load balancer with the configuration; anything changed \
or deleted out of band sets `backend_status[name].in_sync = false`, so the next plan shows the repair and the next \
apply makes it. Route 53 changes are written in one change batch and awaited until INSYNC. A failed create rolls \
back what it made; destroy removes everything it made.

## Limits checked at plan

Route 53: interval 10 or 30 s, threshold 1–10, failover takes exactly one primary and one secondary, latency needs an \
AWS region (GCP and Azure regions map to the nearest one), geo needs a `*` default. Cloudflare: interval 10–3600 s \
(the account's plan may require more), threshold 1–10. Weights 0–255, not all 0.
";

const MESH_TRUST_NOTES: &str = "Not supported: the private keys of existing intermediates cannot be recovered from \
certificates. To keep an existing root, give it as `root { cert_pem, key_pem }`; intermediates are then issued under it.

## Planning

- Adding a cluster issues only its intermediate; the plan shows every other cluster unchanged. Removing one removes only it.
- An intermediate within `renew_before_days` of its end shows up in the next plan as a renewal of that cluster only.
- Changing the `root` block rotates the root in two applies, following Istio's multi-root procedure:
  1. a new root is generated and added to every cluster's `root-cert.pem` (the trust bundle); intermediates are \
     untouched, so every existing certificate still verifies;
  2. the next plan re-issues every intermediate under the new root; the old root stays in the bundle as `previous` \
     so workload certificates signed under it keep verifying until they expire (24 h by Istio's default).
  Set `retain_previous_root = false` once that has passed to drop the old root. A generated root within \
  `renew_before_days` of expiry starts the same rotation by itself.

## Defaults

Root 3650 days and intermediates 730 days with RSA 4096 keys, as Istio's own `tools/certs` Makefiles do: these \
certificates are what operators already know from Istio's documentation, and every Istio version accepts them. \
ECDSA P-256 is offered and is much faster to generate; choose it when every consumer of the chain supports it.

## Secrets

`issued_secrets` (keys and the ready-to-apply `cacerts` Secret) and `root_keys` are sensitive and live in Terraform \
state: protect the state as you would the CA keys themselves. The provider never logs them.
";

const VPN_GATEWAY_NOTES: &str = "By cloud and the cloud's own id, e.g. to take back a gateway whose state was lost:

```shell
terraform import multicloud_vpn_gateway.aws   aws/us-east-1/vgw-0123456789abcdef0   # or aws/REGION/tgw-…
terraform import multicloud_vpn_gateway.gcp   gcp/my-project/europe-west1/hub        # or projects/…/vpnGateways/hub
terraform import multicloud_vpn_gateway.azure azure/SUBSCRIPTION/RESOURCE_GROUP/hub  # or the gateway's resource id
```

The site block is read back from the cloud: the VGW's VPC and ASN (its name from the tag this provider sets, else \
its `Name` tag), the HA gateway's network and its Cloud Router `NAME-router`'s ASN, the Azure gateway's location, \
gateway subnet, ASN and SKU. Only gateways shaped as this resource makes them are accepted: a GCP gateway needs its \
router `NAME-router`, an Azure gateway must be active-active on the public IPs `NAME-pip0` and `NAME-pip1` (which \
destroy deletes with it), a VGW must be attached to a VPC. Defaults spelled out or left out, a network given by name \
or by self link, a location written `West Europe` or `westeurope` all describe the same gateway, so the first plan \
after an import replaces nothing; at most it updates the recorded values in place, which changes nothing in the \
cloud. An existing transit gateway can also be used without import through `aws { transit_gateway_id = ... }`.

## What is created

| Block | Created, in this order | `public_ips` |
|---|---|---|
| `aws` with `vpc_id` | a virtual private gateway with `amazon_side_asn` (default 64512), attached to the VPC | empty: AWS's addresses belong to each connection's tunnels |
| `aws` with `transit_gateway_id` | nothing: the transit gateway must exist, and its ASN must equal `amazon_side_asn` when that is set; destroy leaves it alone | empty |
| `gcp` | an HA VPN gateway `NAME` (two interfaces) in `network`, then its Cloud Router `NAME-router` with `asn` | the two interfaces' addresses |
| `azure` | two static public IPs `NAME-pip0` and `NAME-pip1`, then an active-active, BGP-enabled virtual network gateway `NAME` in `gateway_subnet_id` with `asn` (default 65515) and `sku` (default `VpnGw1AZ`) | one per gateway instance; `bgp_peering_addresses` holds the instances' default BGP addresses |

`cloud` and `asn` are known at plan (except the ASN of an existing transit gateway), so a \
`multicloud_vpn_connection` checks its pair before anything exists. Destroy removes the objects in reverse order \
(Azure's public IPs only once the gateway is gone; Azure refuses otherwise).

## Rules checked at plan

- Exactly one of `aws`, `gcp`, `azure`; in `aws`, exactly one of `vpc_id` and `transit_gateway_id`.
- `name`: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, up to 40 \
  characters (GCP's naming rule, the strictest of the three).
- ASNs: AWS and GCP need a private ASN, 64512–65534 or 4200000000–4294967294; Azure refuses 8074, 8075, 12076 and \
  65517–65520 (65515 is its default); IANA-reserved ASNs (23456, 64496–64511, 65535–65551, 4294967295) are refused \
  everywhere.
- Azure: a SKU that supports BGP and active-active (`VpnGw1`–`VpnGw5`, `VpnGw1AZ`–`VpnGw5AZ`; not Basic), and a \
  subnet named `GatewaySubnet`.

## Changes and drift

`name` and anything in the site block replace the gateway, and with it every connection that uses it; `timeouts` \
change in place. A refresh that finds the whole site gone (the virtual private gateway deleted; the GCP gateway and \
its Cloud Router deleted; the Azure gateway and both public IPs deleted) drops it from the state, so the next plan \
creates it again (and replaces its connections). A refresh that finds only part of it gone (the virtual private \
gateway detached from its VPC, the Cloud Router deleted but not the HA gateway, the Azure gateway deleted but not \
its public IPs, …) lists what is gone in `missing`, e.g. `[\"Cloud Router hub-router\"]`; the next plan replaces \
the gateway, so the remaining pieces are deleted rather than left behind, and a `terraform destroy` from there \
deletes them too.

## Timeouts

`timeouts { create, delete }` default to 45 and 30 minutes. `create` bounds the whole create (a GCP gateway is two \
operations, an Azure site three), and every wait for a cloud operation ends with an error once it has taken longer. Progress is written to the provider log, and Ctrl-C ends a wait too. AWS and GCP gateways take seconds to a few minutes. **Azure takes \
30–45 minutes to create a virtual network gateway, and a long time to delete one**: the defaults leave little slack, \
so `timeouts { create = \"60m\" delete = \"60m\" }` is a sensible setting for Azure gateways.

A create that fails half-way keeps what it made: the virtual private gateway that could not be attached, the GCP \
gateway whose router failed, or the Azure gateway (with its public IPs) that failed or timed out is recorded in a \
tainted resource, which the next apply deletes before creating the gateway again. With Azure that means another \
30–45 minutes: when Azure is merely slow, raise `timeouts.create` instead of retrying. If the provider stopped \
before it could report anything (its process killed), the next create takes back what the first attempt made \
instead of making it twice: the virtual private gateway by its tag (when its ASN matches), the GCP gateway and \
router and the Azure public IPs and gateway by name.
";

const VPN_CONNECTION_NOTES: &str = "A connection this resource built, e.g. one whose state was lost, is imported by its \
name and its two gateways, in the order of `a` and `b` in the configuration, each written as \
`multicloud_vpn_gateway` import takes it:

```shell
terraform import multicloud_vpn_connection.link \"link,aws/us-east-1/vgw-0123456789abcdef0,gcp/my-project/europe-west1/hub\"
```

Everything is read back from the clouds. The tunnel count, inside CIDRs and IKE version come from the GCP Cloud \
Router's interfaces or the Azure gateway's custom APIPA addresses, and must match the layout this resource gives \
those CIDRs. The cloud objects come by name (AWS: by the tags this provider sets). Every tunnel's key must be in \
the state (`tunnel_psks`), because a repair re-creates a tunnel with its key. GCP returns only a hash of a key, so \
the keys come from the other side: Azure's shared keys, or AWS's tunnel options (else its customer gateway \
configuration). When a tunnel's key cannot be read back, or the connection is incomplete or laid out differently, \
the import is refused and says why. The first plan after an import replaces nothing; at most it updates the \
recorded gateway values in place.

## What is created

Per connection, on each side; every name starts with the connection's `name`, written `NAME` here:

| Side | Objects |
|---|---|
| AWS | per interface of the far side, a customer gateway `NAME-cgw0`, `NAME-cgw1` (its address and ASN) and a VPN connection `NAME-vpn0`, `NAME-vpn1` to the virtual private or transit gateway, carrying two tunnels; inside CIDRs, keys and IKE version are tunnel options |
| GCP | an external VPN gateway `NAME-peer` listing the far side's addresses (four towards AWS, two towards Azure); a tunnel `NAME-t0`, `NAME-t1`, … per tunnel; on the gateway's Cloud Router an interface `NAME-if0`, … and a BGP peer `NAME-bgp0`, … per tunnel |
| Azure | the Azure ends' BGP addresses added to the gateway's custom APIPA addresses (a gateway update); per tunnel a local network gateway `NAME-lng0`, … (far address, ASN, BGP address) and an IPsec connection `NAME-t0`, … with BGP |

Order: AWS learns its tunnels' outside addresses only by creating them, so when AWS is in the pair its side is \
built first and the other side is then pointed at those addresses; between GCP and Azure, Azure goes first. Destroy \
runs the other way round — GCP, then Azure, then AWS — and within a side removes BGP sessions and connections before \
what they use. Several connections may share a gateway: each adds and removes only its own Cloud Router entries and \
APIPA addresses, and the provider serialises edits of one router or Azure gateway, so connections applied \
together do not lose each other's changes.

## Tunnels and interfaces

`tunnel_count` is 4 (the default; on GCP, the HA VPN topology with a 99.99 % SLA) or 2. Tunnel *i* uses these \
interfaces (`a_interface`, `b_interface` in `tunnels`):

| Pair | 4 tunnels | 2 tunnels |
|---|---|---|
| AWS ↔ GCP or Azure | AWS tunnels 0, 1 (VPN connection 0) ↔ interface 0; AWS tunnels 2, 3 (VPN connection 1) ↔ interface 1 | AWS tunnels 0, 1 ↔ interface 0 |
| GCP ↔ Azure | 0↔0, 0↔1, 1↔0, 1↔1 | 0↔0, 1↔1 |

Every AWS tunnel has its own outside address, so on AWS the \"interface\" is the tunnel number.

## Inside addresses

Each tunnel has a /30 (`inside_cidrs`, `tunnels[*].inside_cidr`) whose two hosts are the sides' BGP addresses. Rules, \
checked at plan:

- a /30 network address inside 169.254.0.0/16, one per tunnel, no two alike;
- with AWS: not 169.254.0.0/30 to 169.254.5.0/30 nor 169.254.169.252/30 (AWS reserves them);
- not used by another connection on either gateway, when the gateway already exists: the plan asks the clouds \
  (the AWS gateway's VPN connections, the GCP Cloud Router's interfaces, the Azure gateway's custom APIPA addresses) \
  and names the user of a /30 that is taken;
- with Azure: inside 169.254.21.0/24 or 169.254.22.0/24, the range Azure accepts as custom (APIPA) BGP addresses.

AWS speaks BGP from the first host of the /30, so with AWS in the pair it gets the first host and the other side the \
second; between GCP and Azure, side `a` gets the first.

Without `inside_cidrs`, the /30s are allocated at plan from the connection's `name`: a stable hash of the name picks \
a block of `tunnel_count` consecutive valid /30s, so the plan shows the addresses before anything exists and the \
same name always gets the same block. When a gateway already exists, blocks that other connections use on it are \
skipped (the next free block is taken), so a connection added to a hub never collides with the ones already there. \
Once created, the connection keeps its addresses. Changing `inside_cidrs` replaces the connection.

What the plan cannot see: connections created in the same apply as their shared gateway, or several new connections \
on one gateway in one apply, do not know each other's blocks. Different names rarely pick the same block (4,095 \
blocks of four without Azure, but only 32 with Azure); when they do, the second fails with \
\"Inside CIDR already in use\", naming the holder, before the Cloud Router or Azure gateway is changed (the \
provider compares with the router's interfaces; on Azure, which would accept a shared address and let BGP break \
silently, with the `multicloud-apipa-NAME` tags in which connections record the APIPA addresses they hold), or \
Terraform reports an inconsistent final plan, or an AWS-only clash is refused by AWS. The failed connection stays \
tainted, and the next apply removes what it made and plans a free block for it. To rule \
it out, give such connections `inside_cidrs` (as `modules/networking` does) or create them in separate applies. \
If the clouds cannot be asked at plan (no credentials yet), the plan warns and allocates from the name alone.

## ASNs

The gateways' `asn`s, known at plan, are checked for the pair: they must differ (eBGP); AWS refuses 7224, 9059, \
10124 and 17943 for the far side (AWS uses them itself); Azure refuses 8074, 8075, 12076, 65515 and 65517–65520 for \
the far side. Each gateway's own ASN rules are on the `multicloud_vpn_gateway` page. With an existing transit \
gateway, whose ASN is known only after the gateway is applied, the check runs when it is.

## Keys

Without `psk`, each tunnel gets its own generated 32-character key (letters and digits, starting with a letter). \
With `psk` — for example `multicloud_psk.link.result` — every tunnel uses that key. A key must be 8–64 letters, \
digits, `.` or `_` and must not start with `0`: what AWS, GCP and Azure all accept. The plan checks it without ever \
showing it. The keys are in `tunnel_psks` (sensitive) and in the state: protect the state. Changing `psk` \
replaces the connection; a repair re-creates a tunnel with its existing key.

## Changes, drift and repair

`name`, `a` and `b` (another gateway), `tunnel_count`, `ike_version`, `psk` and `inside_cidrs` replace the connection; \
`advertised_routes` and `timeouts` change in place.

A refresh checks every tunnel on both sides: the AWS VPN connection (still there, on the same gateway, with the same \
outside addresses), the GCP tunnel (interfaces, IKE version, peer address) with its Cloud Router interface and BGP \
peer, and the Azure connection (gateway, local network gateway, BGP and its APIPA address). A tunnel with a piece \
missing or changed gets `in_sync = false`, so the next plan shows an update of `tunnels`, and the apply re-creates \
only what is missing or different, keeping the rest. An AWS VPN connection re-created out of band has new outside \
addresses: the GCP side then replaces its external VPN gateway and tunnels, since GCP cannot change an external \
gateway's addresses. `a_status` and `b_status` are each cloud's own view of the tunnel (e.g. GCP's `ESTABLISHED`).

## Timeouts

`timeouts { create, delete }` default to 60 and 30 minutes. `create` bounds the whole build (and every wait in \
it); when it runs out, what exists is recorded in `cloud_ids` and the object is kept tainted. `delete` bounds each wait \
for a cloud operation. Progress is written to the provider log, and Ctrl-C ends a wait too. AWS takes a few minutes \
per VPN connection. **With Azure, adding the tunnels' BGP addresses is an update of the virtual network gateway, \
which takes Azure several minutes** (creating the gateway itself takes 30–45 minutes, see `multicloud_vpn_gateway`).

## Partial creates and `cloud_ids`

`cloud_ids` records every cloud object as soon as it exists, by role: `aws.customer_gateway.0`, \
`aws.vpn_connection.0`, `gcp.external_gateway`, `gcp.tunnel.0`, `gcp.router`, `azure.gateway_apipa`, \
`azure.local_gateway.0`, `azure.connection.0`, …. When a create fails half-way (an API error, a timeout, Ctrl-C), \
the provider returns that record; Terraform keeps the connection as tainted, and the next apply removes exactly those \
objects before creating the connection again. An object made in the instant before the interruption, too late to be \
recorded, is found again by name (GCP, Azure) or by its `multicloud:piece` tag (AWS) and adopted instead of \
duplicated. A failed repair keeps its record too; its tunnels stay `in_sync = false` until an apply completes it.

## Refresh cost

Terraform refreshes every resource in its own concurrent call. A connection does not read its objects one by one: it \
asks for a snapshot of their scope — this provider's VPN connections in the AWS region, the tunnels and Cloud \
Routers of the GCP project and region, the connections of the Azure resource group — and refreshes that start \
together (within 5 seconds) share one snapshot. Refreshing many connections therefore costs a few list calls per \
scope instead of several reads per connection, which matters against the clouds' API rate limits. The provider drops a snapshot as soon as it changes something in that scope, so it never reads its own \
writes stale.
";

/// The Registry's navigation group of a page, by the name of what it documents.
pub fn subcategory(name: &str) -> &'static str {
    let name = name.trim_start_matches("multicloud_");
    match name {
        "psk" | "cluster_auth" => "Secrets and credentials",
        "cidr_plan" | "cidr_subnets" => "Address planning",
        "global_lb" | "failover_drill" | "failover_seconds" => "Global load balancing",
        "mesh_trust" | "mesh_rotate" => "Service mesh",
        n if n.starts_with("vpn_") => "Cross-cloud VPN",
        _ => "",
    }
}

/// The provider page's section on credentials: each source per cloud, in the order it is tried.
pub const AUTHENTICATION: &str = "## Authentication

AWS credentials are found by the AWS SDK's own chain (`profile`, `access_key`/`secret_key`, the \
environment, shared files, SSO, web identity, container and instance roles). For Google Cloud and \
Azure the provider looks for credentials in the order and with the names of hashicorp/google and \
azurerm; the first source that is configured is used, and an error names the setting or environment \
variable at fault. Tokens are fetched when a resource first needs them, shared by every resource of \
the provider configuration, and replaced 5 minutes before they expire (half-way through their life if \
that is sooner), so an Azure gateway build of 30–45 minutes never sends an expired token. No key, \
secret, assertion or token is written to any log, at any level.

### Google Cloud

1. `access_token` / `GOOGLE_OAUTH_ACCESS_TOKEN`: an OAuth 2.0 access token, used as it is and never \
   refreshed (so it ends when it expires, typically after an hour).
2. `credentials` / `GOOGLE_CREDENTIALS` (also `GOOGLE_CLOUD_KEYFILE_JSON`, `GCLOUD_KEYFILE_JSON`): a \
   credentials file's JSON, or its path:
   - a service account key (`\"type\": \"service_account\"`): a JWT signed with its key is exchanged for \
     a token at the file's `token_uri`;
   - `authorized_user`: the refresh token is exchanged at Google's token endpoint (or the file's \
     `token_uri`);
   - `external_account` (workload identity federation, as google-github-actions/auth and \
     `gcloud iam workload-identity-pools create-cred-config` write it): the subject token is read from \
     `credential_source.file` or fetched from `credential_source.url` (with its `headers`, `text` or \
     `json` format; GitHub Actions' OIDC token service this way), exchanged at `token_url` (STS), then \
     turned into a service account's token at `service_account_impersonation_url` when given. \
     AWS (`environment_id`) and executable sources are refused with that reason;
   - `impersonated_service_account` (gcloud's ADC after `--impersonate-service-account`).
3. `GOOGLE_APPLICATION_CREDENTIALS`: the path of such a file.
4. gcloud's application default credentials: `$CLOUDSDK_CONFIG/application_default_credentials.json`, \
   else `~/.config/gcloud/application_default_credentials.json` (`gcloud auth application-default login`).
5. The metadata server on GCE, GKE, Cloud Run and Cloud Build (`GCE_METADATA_HOST` overrides its \
   address, as in Google's libraries).

With `impersonate_service_account` / `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT`, the credentials found are \
used only to get that service account's tokens from IAM Credentials (`generateAccessToken`; \
`iam_credentials_endpoint` / `GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT` overrides the API's address). \
The scopes asked for are `cloud-platform` and `userinfo.email`, as hashicorp/google's defaults. \
`ephemeral \"multicloud_cluster_auth\"` for GKE returns this token, with its `expires_at`.

### Azure

1. `access_token` / `ARM_ACCESS_TOKEN`: a Resource Manager token, used as it is and never refreshed.
2. Client certificate: `client_id` / `ARM_CLIENT_ID`, `tenant_id` / `ARM_TENANT_ID` and \
   `client_certificate_path` / `ARM_CLIENT_CERTIFICATE_PATH`, a PEM file with the certificate and its \
   RSA key. A PKCS#12 (`.pfx`) file or an encrypted key is refused with the `openssl` command that \
   converts it (`client_certificate_password` / `ARM_CLIENT_CERTIFICATE_PASSWORD` is therefore not used).
3. Client secret: `client_id`, `tenant_id` and `client_secret` / `ARM_CLIENT_SECRET`.
4. OIDC (workload identity federation), with `use_oidc = true` / `ARM_USE_OIDC=true`, `client_id` and \
   `tenant_id`: the federated token is `oidc_token` / `ARM_OIDC_TOKEN`, else the contents of \
   `oidc_token_file_path` / `ARM_OIDC_TOKEN_FILE_PATH` (read again at every refresh), else requested from \
   `oidc_request_url` with `oidc_request_token` (`ARM_OIDC_REQUEST_URL` / `ACTIONS_ID_TOKEN_REQUEST_URL`, \
   `ARM_OIDC_REQUEST_TOKEN` / `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: GitHub Actions with \
   `permissions: id-token: write`, audience `api://AzureADTokenExchange`).
5. Managed identity, with `use_msi = true` / `ARM_USE_MSI=true`: `msi_endpoint` / `ARM_MSI_ENDPOINT`, \
   else App Service's `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, else the VM's instance metadata service; \
   `client_id` selects a user-assigned identity.
6. The Azure CLI's login (`az account get-access-token`, for `tenant_id` when set), when `az` is on \
   `PATH`, unless `use_cli = false` / `ARM_USE_CLI=false`.

Sources 2–4 ask Microsoft Entra ID's v2.0 token endpoint of the tenant, at the authority of \
`environment` / `ARM_ENVIRONMENT` (`public`, `usgovernment`, `china`; it also picks Resource Manager's \
address) or at `authority_host` / `AZURE_AUTHORITY_HOST`.

### Why not Google's and Microsoft's auth crates

The flows are written in the provider, on the same HTTP layer (retries, cancellation, no secret in \
logs) as its API clients, with RS256 from aws-lc-rs, which TLS already brings. The maintained crates \
were weighed first: `google-cloud-auth` 1.19 builds on the same reqwest and rustls, but for a service \
account key it signs a self-signed JWT and sends it to the API as the token, never calling the key \
file's `token_uri`, so such keys could not be tested against a local token endpoint (nor used where \
only `token_uri` tokens are accepted); it also brings `google-cloud-gax` and a second time library. \
`azure_identity` 1.1 is a beta on `azure_core`'s own HTTP pipeline; its VM managed identity endpoint is \
a constant (169.254.169.254), and certificates need OpenSSL (the `client_certificate` feature), which \
this provider does not link. Both work with Tokio; neither would have removed the token cache, which \
both clouds need to be shared across every resource of a run.
";
