// Placeholder: being built (issue 6).
export function AdminOAuth() {
  return <h1>AdminOAuth</h1>;
}
