import { useState } from 'react';

/** Copies a value to the clipboard and says so (politely, for screen readers). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
    setTimeout(() => setCopied(null), 2000);
  };
  return (
    <>
      <button type="button" onClick={() => void copy()} aria-label={label}>
        Copy
      </button>
      <span aria-live="polite" className="muted small">
        {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </>
  );
}
