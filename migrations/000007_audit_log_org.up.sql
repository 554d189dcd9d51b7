-- Nullable and without a foreign key: the trail outlives a deleted organization.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS org_id UUID;
