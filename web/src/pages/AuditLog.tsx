// Placeholder: being built (issue 6).
export function AuditLog() {
  return <h1>AuditLog</h1>;
}
