/**
 * "Export my data" / "Import" (docs/backup.md, "Export and import"): downloads the JSON of
 * `GET /api/v1/pod/export`, and posts a chosen export file to `POST /api/v1/pod/import`. The pod checks
 * the whole document and writes all or nothing; its error names the field at fault.
 */
import { useState } from 'preact/hooks';
import { ApiError, currentSession, messageOf } from './api.js';
import { atBase } from './base.js';

function authorization(): Record<string, string> {
  const session = currentSession();
  if (!session) throw new ApiError('you are not logged in', 401);
  return { authorization: `Bearer ${session.token}` };
}

async function answer(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new ApiError(
      typeof message === 'string' ? message : `the pod answered ${response.status}`,
      response.status,
    );
  }
  return body;
}

export function ExportImport() {
  const [status, setStatus] = useState('');

  async function exportData(): Promise<void> {
    try {
      const body = await answer(await fetch(atBase('/api/v1/pod/export'), { headers: authorization() }));
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }),
      );
      const link = document.createElement('a');
      link.href = url;
      link.download = 'byoda-export.json';
      link.click();
      URL.revokeObjectURL(url);
      setStatus('Export downloaded.');
    } catch (err) {
      setStatus(`Export failed: ${messageOf(err)}`);
    }
  }

  async function importFile(file: File | undefined): Promise<void> {
    if (!file) return;
    try {
      const body = await answer(
        await fetch(atBase('/api/v1/pod/import'), {
          method: 'POST',
          headers: { ...authorization(), 'content-type': 'application/json' },
          body: await file.text(),
        }),
      );
      const imported = (body as { imported?: Record<string, number> }).imported ?? {};
      const total = Object.values(imported).reduce((sum, n) => sum + n, 0);
      setStatus(`Imported ${total} records.`);
    } catch (err) {
      setStatus(`Import failed: ${messageOf(err)}`);
    }
  }

  return (
    <section aria-labelledby="export-import">
      <h2 id="export-import">Your data</h2>
      <button type="button" onClick={() => void exportData()}>
        Export my data
      </button>{' '}
      <label>
        Import{' '}
        <input
          type="file"
          accept="application/json"
          onChange={(event) => void importFile((event.currentTarget as HTMLInputElement).files?.[0])}
        />
      </label>
      <p role="status">{status}</p>
    </section>
  );
}
