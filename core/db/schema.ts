import type { ColumnType, Generated, Selectable } from "kysely";

/** A column the database fills in (DEFAULT) that may still be set explicitly. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json = { [key: string]: unknown };

export interface UsersTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string | null;
  status: Defaulted<string>;
  role: Defaulted<string>;
  email_verified: Defaulted<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserSessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  created_at: Timestamp;
  last_used_at: Timestamp;
  ip_address: string | null;
  user_agent: string | null;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  plan: Defaulted<string>;
  status: Defaulted<string>;
  metadata: ColumnType<Json, Json | string | undefined, Json | string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrganizationMembersTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ResourcesTable {
  id: Generated<string>;
  org_id: string;
  type: string;
  name: string;
  config: ColumnType<Json, Json | string | undefined, Json | string>;
  status: Defaulted<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  org_id: string | null;
  user_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  details: ColumnType<Json, Json | string | undefined, Json | string>;
  ip_address: string | null;
  created_at: Timestamp;
  /** No longer written or read: which seal covers an event is in audit_seal_events. */
  seal_seq: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Events stored and not sealed yet: the sealer's work list, emptied as it seals. */
export interface AuditUnsealedTable {
  event_id: string;
  org_id: string | null;
  created_at: Timestamp;
}

/** The seal (of the event's chain) that covers an event; written once, with the seal. */
export interface AuditSealEventsTable {
  event_id: string;
  seq: number;
}

export interface AuditSealsTable {
  /** The organization's id, or "platform" for events without one. */
  chain: string;
  seq: number;
  org_id: string | null;
  prev_hash: string | null;
  merkle_root: string;
  event_count: number;
  event_ids: string[];
  /** The covered events' creation times, in tree order. */
  event_times: ColumnType<Date[], string[], string[]>;
  /** The leaf hashes in tree order, 32 bytes each. */
  leaves: Buffer;
  first_event_at: Timestamp;
  last_event_at: Timestamp;
  sealed_at: Timestamp;
  key_id: string;
  hash: string;
  signature: string;
  published_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Stored audit events the search index still lacks (written and read with plain SQL). */
export interface AuditIndexBacklogTable {
  event_id: string;
  recorded_at: Timestamp;
}

export interface InvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  accepted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface OneTimeTokensTable {
  token_hash: string;
  purpose: string;
  email: string;
  user_id: string | null;
  invitation_id: string | null;
  created_at: Timestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  users: UsersTable;
  user_sessions: UserSessionsTable;
  organizations: OrganizationsTable;
  organization_members: OrganizationMembersTable;
  resources: ResourcesTable;
  audit_log: AuditLogTable;
  invitations: InvitationsTable;
  one_time_tokens: OneTimeTokensTable;
  audit_seals: AuditSealsTable;
  audit_unsealed: AuditUnsealedTable;
  audit_seal_events: AuditSealEventsTable;
  audit_index_backlog: AuditIndexBacklogTable;
}

export type UserRow = Selectable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type ResourceRow = Selectable<ResourcesTable>;
/** An event as the trail shows it; which seal covers it is the sealer's business. */
export type AuditRow = Omit<Selectable<AuditLogTable>, "seal_seq">;
export type AuditSealRow = Selectable<AuditSealsTable>;
