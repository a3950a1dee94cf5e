import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_oauth.ts';
import * as m0003 from './0003_token_lifecycle.ts';
import * as m0004 from './0004_workflows.ts';
import * as m0005 from './0005_audit.ts';
import * as m0006 from './0006_access_notify.ts';
import * as m0007 from './0007_webhooks.ts';

/**
 * Every migration, in order. Listed statically (not read from the file system) so the set is
 * fixed at build time and a half-deployed folder cannot change what runs.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_oauth': m0002,
  '0003_token_lifecycle': m0003,
  '0004_workflows': m0004,
  '0005_audit': m0005,
  '0006_access_notify': m0006,
  '0007_webhooks': m0007,
};
