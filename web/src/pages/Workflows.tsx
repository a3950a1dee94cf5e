// Placeholder: being built (issue 6).
export function Workflows() {
  return <h1>Workflows</h1>;
}
