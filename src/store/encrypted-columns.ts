/**
 * A column holding envelope-encrypted values (`src/crypto/envelope.ts`). Registering it here is
 * what makes key rotation reach it: `rewrapAll` walks exactly these columns, so a secret column
 * missing from this list would keep depending on an old key after rotation.
 */
export interface EncryptedColumn {
  /** Table name, e.g. `oauth_apps`. */
  readonly table: string;
  /** Primary-key column; its value (as a string) is the `id` of the encryption context. */
  readonly idColumn: string;
  /** Column storing the sealed text, e.g. `client_secret_enc`. */
  readonly column: string;
  /** The `field` of the encryption context: the AAD of a row is `{ table, id: row[idColumn], field }`. */
  readonly field: string;
}

/** Every encrypted column in the schema. Repositories that seal a column register it here. */
export const encryptedColumns: EncryptedColumn[] = [];
