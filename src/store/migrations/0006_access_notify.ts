import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Cross-process invalidation of cached grants (services/access-cache.ts). Every change that can
 * end or alter someone's access notifies channel `tether_access` in the same transaction, so
 * the notification is delivered exactly when (and only if) the change commits, whichever process
 * or statement made it. Payload `c:<connection id>` for one connection, `*` for "anything".
 * Changes that only grant more (a new member, a new connection) need no notification: the cache
 * holds grants only, never refusals.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    create function tether_access_notify() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'connections' and tg_level = 'ROW' then
        perform pg_notify('tether_access', 'c:' || old.id);
      else
        perform pg_notify('tether_access', '*');
      end if;
      return null;
    end
    $$
  `.execute(db);
  // What a token ask depends on: status, share, owner, workspace, scopes, the token and its timing.
  // Not the lease columns alone (a lease renewal changes nothing a caller sees).
  await sql`
    create trigger connections_access_update after update on connections for each row
    when (
      old.status is distinct from new.status or old.shared_level is distinct from new.shared_level
      or old.owner_id is distinct from new.owner_id or old.workspace_id is distinct from new.workspace_id
      or old.scopes is distinct from new.scopes or old.domain is distinct from new.domain
      or old.access_token is distinct from new.access_token or old.token_type is distinct from new.token_type
      or old.token_expires_at is distinct from new.token_expires_at or old.refresh_due_at is distinct from new.refresh_due_at
    )
    execute function tether_access_notify()
  `.execute(db);
  await sql`create trigger connections_access_delete after delete on connections for each row execute function tether_access_notify()`.execute(db);
  // Membership removed or its role changed.
  await sql`create trigger memberships_access after update or delete on memberships for each statement execute function tether_access_notify()`.execute(db);
  await sql`
    create trigger workspaces_access_update after update on workspaces for each row
    when (old.plan is distinct from new.plan) execute function tether_access_notify()
  `.execute(db);
  await sql`create trigger workspaces_access_delete after delete on workspaces for each statement execute function tether_access_notify()`.execute(db);
  // A revoked key; not the once-a-minute "last used" write.
  await sql`
    create trigger api_keys_access_update after update on api_keys for each row
    when (old.revoked_at is distinct from new.revoked_at or old.key_hash is distinct from new.key_hash or old.user_id is distinct from new.user_id)
    execute function tether_access_notify()
  `.execute(db);
  await sql`create trigger api_keys_access_delete after delete on api_keys for each statement execute function tether_access_notify()`.execute(db);
  await sql`
    create trigger users_access_update after update on users for each row
    when (old.is_admin is distinct from new.is_admin) execute function tether_access_notify()
  `.execute(db);
  await sql`create trigger users_access_delete after delete on users for each statement execute function tether_access_notify()`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  for (const [trigger, table] of [
    ['connections_access_update', 'connections'],
    ['connections_access_delete', 'connections'],
    ['memberships_access', 'memberships'],
    ['workspaces_access_update', 'workspaces'],
    ['workspaces_access_delete', 'workspaces'],
    ['api_keys_access_update', 'api_keys'],
    ['api_keys_access_delete', 'api_keys'],
    ['users_access_update', 'users'],
    ['users_access_delete', 'users'],
  ] as const) {
    await sql`drop trigger if exists ${sql.raw(trigger)} on ${sql.raw(table)}`.execute(db);
  }
  await sql`drop function if exists tether_access_notify()`.execute(db);
}
