{{/* The five services, in the order they are rendered. */}}
{{- define "roster.services" -}}
directory-config file-ingest reconciler notifier connector-gateway
{{- end -}}

{{- define "roster.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "roster" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-roster" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "roster.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: roster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: roster
{{- end -}}

{{/* Selector labels of one service; call with (dict "root" $ "service" $name). */}}
{{- define "roster.selectorLabels" -}}
app.kubernetes.io/name: roster
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "roster.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "roster.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "roster.secretName" -}}
{{- default (printf "%s-secrets" (include "roster.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "roster.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- printf "%s/roster-%s:%s" (trimSuffix "/" .root.Values.image.registry) .service $tag -}}
{{- end -}}

{{/* Non-secret environment of one service: only the variables its config.ts reads. */}}
{{- define "roster.configData" -}}
{{- $v := .root.Values -}}
{{- $s := index $v.services .service -}}
ROSTER_NATS_URL: {{ required "nats.url is required" $v.nats.url | quote }}
ROSTER_HTTP_PORT: {{ $v.config.httpPort | quote }}
ROSTER_HTTP_HOST: "0.0.0.0"
ROSTER_LOG_LEVEL: {{ $v.config.logLevel | quote }}
ROSTER_MIGRATE: "false"
ROSTER_ACK_WAIT_MS: {{ $v.config.ackWaitMs | int64 | quote }}
ROSTER_MAX_DELIVER: {{ $v.config.maxDeliver | int64 | quote }}
{{- with (include "roster.nodeOptions" .) }}
NODE_OPTIONS: {{ . | quote }}
{{- end }}
{{- if eq .service "directory-config" }}
ROSTER_SCHEDULER_INTERVAL_MS: {{ $s.config.schedulerIntervalMs | int64 | quote }}
ROSTER_HRIS_ALLOW_LOOPBACK: {{ $s.config.hrisAllowLoopback | toString | quote }}
ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: {{ join "," $v.hris.allowedHosts | quote }}
ROSTER_API_RATE_PER_SECOND: {{ $s.config.apiRatePerSecond | int64 | quote }}
ROSTER_API_RATE_BURST: {{ $s.config.apiRateBurst | int64 | quote }}
ROSTER_TRUST_PROXY: {{ if kindIs "slice" $s.config.trustProxy }}{{ join "," $s.config.trustProxy | quote }}{{ else }}{{ $s.config.trustProxy | toString | quote }}{{ end }}
ROSTER_INBOUND_BATCH_MAX: {{ $s.config.inboundBatchMax | int64 | quote }}
ROSTER_INBOUND_WINDOW_MS: {{ $s.config.inboundWindowMs | int64 | quote }}
ROSTER_INBOX_PRUNE_INTERVAL_MS: {{ $s.config.inboxPruneIntervalMs | int64 | quote }}
ROSTER_RUN_RETENTION_DAYS: {{ $v.config.runRetentionDays | int64 | quote }}
ROSTER_RUN_PRUNE_INTERVAL_MS: {{ $v.config.runPruneIntervalMs | int64 | quote }}
{{- else if eq .service "file-ingest" }}
ROSTER_BATCH_SIZE: {{ $s.config.batchSize | int64 | quote }}
ROSTER_MAX_FILE_BYTES: {{ $s.config.maxFileBytes | int64 | quote }}
{{- else if eq .service "reconciler" }}
ROSTER_DEACTIVATION_INTERVAL_MS: {{ $s.config.deactivationIntervalMs | int64 | quote }}
ROSTER_RECORDS_LANES: {{ $s.config.recordsLanes | int64 | quote }}
ROSTER_RUN_RETENTION_DAYS: {{ $v.config.runRetentionDays | int64 | quote }}
ROSTER_RUN_PRUNE_INTERVAL_MS: {{ $v.config.runPruneIntervalMs | int64 | quote }}
{{- else if eq .service "notifier" }}
ROSTER_MAIL_FROM: {{ $s.config.mailFrom | quote }}
ROSTER_RUN_RETENTION_DAYS: {{ $v.config.runRetentionDays | int64 | quote }}
ROSTER_RUN_PRUNE_INTERVAL_MS: {{ $v.config.runPruneIntervalMs | int64 | quote }}
{{- else if eq .service "connector-gateway" }}
ROSTER_HRIS_ALLOW_LOOPBACK: {{ $s.config.hrisAllowLoopback | toString | quote }}
ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: {{ join "," $v.hris.allowedHosts | quote }}
ROSTER_HRIS_RETRY_ATTEMPTS: {{ $s.config.hrisRetryAttempts | int64 | quote }}
ROSTER_HRIS_RETRY_BASE_MS: {{ $s.config.hrisRetryBaseMs | int64 | quote }}
ROSTER_HRIS_FULL_FETCH_DAYS: {{ $s.config.hrisFullFetchDays | int64 | quote }}
ROSTER_BATCH_SIZE: {{ $s.config.batchSize | int64 | quote }}
{{- end }}
{{- end -}}

{{/* A memory quantity ("512Mi", "1Gi", "1G", "536870912") in MiB, rounded down; empty for a form it does not know. */}}
{{- define "roster.memoryMiB" -}}
{{- $q := toString . -}}
{{- if regexMatch "^[0-9]+Gi$" $q -}}{{ mul (trimSuffix "Gi" $q | int64) 1024 }}
{{- else if regexMatch "^[0-9]+Mi$" $q -}}{{ trimSuffix "Mi" $q | int64 }}
{{- else if regexMatch "^[0-9]+Ki$" $q -}}{{ div (trimSuffix "Ki" $q | int64) 1024 }}
{{- else if regexMatch "^[0-9]+G$" $q -}}{{ div (mul (trimSuffix "G" $q | int64) 1000000000) 1048576 }}
{{- else if regexMatch "^[0-9]+M$" $q -}}{{ div (mul (trimSuffix "M" $q | int64) 1000000) 1048576 }}
{{- else if regexMatch "^[0-9]+$" $q -}}{{ div ($q | int64) 1048576 }}
{{- end -}}
{{- end -}}

{{/*
NODE_OPTIONS of one service (call with (dict "root" $ "service" $name)): the old-space bound and node.extraOptions.
The bound must leave the container room for the young generation, code and native memory (buffers, sockets), so it
may be at most half the service's memory limit, the share Node 20 itself takes when no bound is set.
*/}}
{{- define "roster.nodeOptions" -}}
{{- $v := .root.Values -}}
{{- $s := index $v.services .service -}}
{{- $heap := int64 $v.node.maxOldSpaceMB -}}
{{- $limit := include "roster.memoryMiB" $s.resources.limits.memory -}}
{{- if and (gt $heap 0) $limit (gt (mul $heap 2) (int64 $limit)) -}}
{{- fail (printf "node.maxOldSpaceMB (%d MiB) is over half of %s's memory limit (%s): raise services.%s.resources.limits.memory or lower node.maxOldSpaceMB" $heap .service (toString $s.resources.limits.memory) .service) -}}
{{- end -}}
{{- $options := list -}}
{{- if gt $heap 0 }}{{ $options = append $options (printf "--max-old-space-size=%d" $heap) }}{{ end -}}
{{- with $v.node.extraOptions }}{{ $options = append $options . }}{{ end -}}
{{- join " " $options -}}
{{- end -}}

{{/* Secret variables one service reads: "NAME" or "NAME?" (optional). */}}
{{- define "roster.secretKeys" -}}
{{- if eq .service "directory-config" -}}ROSTER_DATABASE_URL ROSTER_SECRETS_KEY ROSTER_SECRETS_PREVIOUS_KEYS? ROSTER_API_KEY
{{- else if eq .service "file-ingest" -}}ROSTER_DATABASE_URL ROSTER_SECRETS_KEY ROSTER_SECRETS_PREVIOUS_KEYS?
{{- else if eq .service "reconciler" -}}ROSTER_DATABASE_URL
{{- else if eq .service "notifier" -}}ROSTER_DATABASE_URL ROSTER_SMTP_URL
{{- else if eq .service "connector-gateway" -}}ROSTER_DATABASE_URL ROSTER_SECRETS_KEY ROSTER_SECRETS_PREVIOUS_KEYS? ROSTER_HRIS_BRIDGE_API_KEY?
{{- end -}}
{{- end -}}

{{/* env entries: the service's secret variables, each from the Secret by key; call with (dict "root" $ "service" $name "secret" $secretName). */}}
{{- define "roster.secretEnv" -}}
{{- $secret := .secret -}}
{{- range (include "roster.secretKeys" . | splitList " ") }}
- name: {{ trimSuffix "?" . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ trimSuffix "?" . }}
      {{- if hasSuffix "?" . }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{- define "roster.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "roster.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The chart-managed Secret's keys: only those given a value (a missing one stops the service that reads it, naming it). */}}
{{- define "roster.secretData" -}}
{{- $s := .Values.secrets -}}
{{- $pairs := list (list "ROSTER_DATABASE_URL" $s.databaseUrl) (list "ROSTER_SECRETS_KEY" $s.secretsKey) (list "ROSTER_SECRETS_PREVIOUS_KEYS" $s.secretsPreviousKeys) (list "ROSTER_API_KEY" $s.apiKey) (list "ROSTER_SMTP_URL" $s.smtpUrl) (list "ROSTER_HRIS_BRIDGE_API_KEY" $s.hrisBridgeApiKey) -}}
{{- range $pairs }}
{{- if index . 1 }}
{{ index . 0 }}: {{ index . 1 | quote }}
{{- end }}
{{- end }}
{{- end -}}
