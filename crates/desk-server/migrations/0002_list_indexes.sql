-- A customer's list filtered by status (open / resolved) walks this index newest first.
CREATE INDEX tickets_org_status_number ON tickets(organization_id, status, number);
