// Placeholder: being built (issue 6).
export function SharedConnections() {
  return <h1>SharedConnections</h1>;
}
