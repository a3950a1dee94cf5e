// Placeholder: being built (issue 6).
export function WorkflowDetail() {
  return <h1>WorkflowDetail</h1>;
}
