{{/* Names ------------------------------------------------------------------------------ */}}

{{- define "podium.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name every object starts with (63 characters at most: DNS). */}}
{{- define "podium.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "podium.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "podium.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "podium.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "podium.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component's pods; call with (dict "root" $ "component" "worker"). */}}
{{- define "podium.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podium.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "podium.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podium.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "podium.secretName" -}}
{{- default (include "podium.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "podium.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Redis list workers consume: what KEDA watches. Mirrors common/transport (queue
     `podium.worker[.<group>]`, every key under the broker's key prefix). */}}
{{- define "podium.workerListName" -}}
{{- .Values.config.brokerKeyPrefix }}podium.worker{{ with .Values.worker.group }}.{{ . }}{{ end }}
{{- end }}

{{/* Settings ---------------------------------------------------------------------------- */}}

{{/* Non-secret settings, as PODIUM_* variables (the ConfigMap's data). */}}
{{- define "podium.configData" -}}
PODIUM_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
PODIUM_MANAGEMENT__HOST: "0.0.0.0"
PODIUM_BROKER__KEY_PREFIX: {{ .Values.config.brokerKeyPrefix | quote }}
PODIUM_STORAGE__KIND: {{ .Values.config.storage.kind | quote }}
{{- with .Values.config.storage.s3 }}
{{- if .endpointUrl }}
PODIUM_STORAGE__S3__ENDPOINT_URL: {{ .endpointUrl | quote }}
{{- end }}
PODIUM_STORAGE__S3__BUCKET: {{ .bucket | quote }}
PODIUM_STORAGE__S3__REGION: {{ .region | quote }}
PODIUM_STORAGE__S3__PATH_STYLE: {{ .pathStyle | quote }}
{{- end }}
PODIUM_WORKER__HEARTBEAT_SECONDS: {{ .Values.worker.heartbeatSeconds | quote }}
PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS: {{ .Values.worker.heartbeatTimeoutSeconds | quote }}
PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS: {{ .Values.worker.shutdownGraceSeconds | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Secret settings (the Secret's stringData); empty ones are left out, so S3 keys can come
     from the pod's role instead. */}}
{{- define "podium.secretData" -}}
{{- $s := .Values.secrets }}
PODIUM_DATABASE__URL: {{ required "secrets.databaseUrl is required (or secrets.existingSecret)" $s.databaseUrl | quote }}
PODIUM_BROKER__URL: {{ required "secrets.brokerUrl is required (or secrets.existingSecret)" $s.brokerUrl | quote }}
{{- with $s.s3AccessKeyId }}
PODIUM_STORAGE__S3__ACCESS_KEY_ID: {{ . | quote }}
{{- end }}
{{- with $s.s3SecretAccessKey }}
PODIUM_STORAGE__S3__SECRET_ACCESS_KEY: {{ . | quote }}
{{- end }}
{{- with $s.encryptionKey }}
PODIUM_SECRETS__ENCRYPTION_KEY: {{ . | quote }}
{{- end }}
{{- with $s.apiUsers }}
PODIUM_API__USERS: {{ toJson . | quote }}
{{- end }}
{{- with $s.apiTokens }}
PODIUM_API__TOKENS: {{ toJson . | quote }}
{{- end }}
{{- end }}

{{/* Pods ------------------------------------------------------------------------------- */}}

{{/* Annotations of every Podium pod: Prometheus discovery, and checksums that roll the pods
     when their settings change. Call with (dict "root" $ "port" 9102). */}}
{{- define "podium.podAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
checksum/config: {{ include "podium.configData" .root | sha256sum }}
{{- if not .root.Values.secrets.existingSecret }}
checksum/secret: {{ include "podium.secretData" .root | sha256sum }}
{{- end }}
{{- with .root.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Settings reach every container the same way: the ConfigMap, then the Secret.
     Call with (dict "root" $ "config" NAME "secret" NAME). */}}
{{- define "podium.envFrom" -}}
- configMapRef:
    name: {{ .config }}
- secretRef:
    name: {{ .secret }}
{{- end }}

{{/* The pod spec's common part: account, security, scheduling, the writable /tmp. */}}
{{- define "podium.podCommon" -}}
serviceAccountName: {{ include "podium.serviceAccountName" . }}
# Podium never talks to the Kubernetes API: no token in its pods.
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  # The root filesystem is read-only: task working directories and the data dir live here.
  - name: tmp
    emptyDir: {}
  - name: data
    emptyDir: {}
{{- end }}

{{/* The container's common part after name/args. */}}
{{- define "podium.containerCommon" -}}
image: {{ include "podium.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: data
    mountPath: /var/lib/podium
{{- end }}

{{/* Liveness and readiness on one management port name. */}}
{{- define "podium.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* Refuse a worker grace period Kubernetes would cut short: the kubelet's SIGKILL must come
     after the worker's own drain (PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS). */}}
{{- define "podium.checkWorkerGrace" -}}
{{- if le (int .Values.worker.terminationGracePeriodSeconds) (int .Values.worker.shutdownGraceSeconds) }}
{{- fail (printf "worker.terminationGracePeriodSeconds (%v) must exceed worker.shutdownGraceSeconds (%v)" .Values.worker.terminationGracePeriodSeconds .Values.worker.shutdownGraceSeconds) }}
{{- end }}
{{- end }}

{{/* One component's Deployment. Call with (dict "root" $ "component" "worker" "args" LIST
     "env" LIST-OF-ENVVARS "grace" SECONDS-OR-NIL). Port and sizes come from .Values.<component>. */}}
{{- define "podium.componentDeployment" -}}
{{- $root := .root }}
{{- $v := index $root.Values .component }}
{{- $sel := dict "root" $root "component" .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "podium.fullname" $root }}-{{ .component }}
  labels:
    {{- include "podium.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "podium.selectorLabels" $sel | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "podium.selectorLabels" $sel | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "podium.podAnnotations" (dict "root" $root "port" $v.managementPort) | trim | nindent 8 }}
    spec:
      {{- include "podium.podCommon" $root | nindent 6 }}
      {{- with .grace }}
      terminationGracePeriodSeconds: {{ . }}
      {{- end }}
      containers:
        - name: {{ .component }}
          args: {{ toJson .args }}
          {{- include "podium.containerCommon" $root | nindent 10 }}
          envFrom:
            {{- include "podium.envFrom" (dict "config" (include "podium.fullname" $root) "secret" (include "podium.secretName" $root)) | nindent 12 }}
          env:
            - name: PODIUM_MANAGEMENT__PORT
              value: {{ $v.managementPort | quote }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: management
              containerPort: {{ $v.managementPort }}
            {{- with .extraPorts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- include "podium.probes" (dict "root" $root "port" "management") | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
{{- end }}
