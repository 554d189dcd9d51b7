/** The audit_log columns that hold an event: the nine fields the API shows, in table order. */
export const AUDIT_COLUMNS = [
  "id",
  "org_id",
  "user_id",
  "action",
  "resource_type",
  "resource_id",
  "details",
  "ip_address",
  "created_at",
] as const;
