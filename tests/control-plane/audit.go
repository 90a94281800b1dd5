package main

import (
	"os"
	"path/filepath"
)

// auditPolicy records every write to Deployments and Foos (and their
// subresources) at Metadata level: who (user, userAgent), what (verb,
// objectRef), when (requestReceivedTimestamp, stageTimestamp) and the
// response code, without bodies. Everything else is not recorded, so the
// log stays small under load. One event per request: the RequestReceived
// stage is omitted, a request that completes logs ResponseComplete.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
    resources:
      - group: "apps"
        resources: ["deployments", "deployments/status", "deployments/scale"]
      - group: "samplecontroller.k8s.io"
        resources: ["foos", "foos/status"]
  - level: None
`

// auditPolicyPath is where writeAuditPolicy puts the policy in dir.
func auditPolicyPath(dir string) string { return filepath.Join(dir, "audit-policy.yaml") }

// auditLogPath is the apiserver's audit log (JSON lines) in the log dir; a
// restarted apiserver appends to it.
func auditLogPath(logDir string) string { return filepath.Join(logDir, "audit.log") }

// writeAuditPolicy writes auditPolicy into dir.
func writeAuditPolicy(dir string) error {
	return os.WriteFile(auditPolicyPath(dir), []byte(auditPolicy), 0o600)
}

// auditArgs are kube-apiserver's auditing flags: the policy above, logged
// as JSON lines, synchronously (blocking mode: an event is in the file
// before the response is sent), never rotated away during a test run.
func auditArgs(dir, logDir string) []string {
	return []string{
		"--audit-policy-file=" + auditPolicyPath(dir),
		"--audit-log-path=" + auditLogPath(logDir),
		"--audit-log-format=json",
		"--audit-log-mode=blocking",
		"--audit-log-maxsize=1024",
		"--audit-log-maxbackup=1",
	}
}
