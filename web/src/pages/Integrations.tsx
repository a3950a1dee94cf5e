// Placeholder: being built (issue 6).
export function Integrations() {
  return <h1>Integrations</h1>;
}
