import type { ConnectionStatus } from '../types.ts';

const labels: Record<ConnectionStatus, { text: string; tone: 'ok' | 'bad' | 'busy' | 'off' }> = {
  active: { text: 'Active', tone: 'ok' },
  refreshing: { text: 'Refreshing', tone: 'busy' },
  error: { text: 'Needs attention', tone: 'bad' },
  reauthorize: { text: 'Needs attention', tone: 'bad' },
  disconnected: { text: 'Disconnected', tone: 'off' },
};

/** Green "Active", red "Needs attention"; the text carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: ConnectionStatus }) {
  const { text, tone } = labels[status];
  return <span className={`badge badge-${tone}`}>{text}</span>;
}
