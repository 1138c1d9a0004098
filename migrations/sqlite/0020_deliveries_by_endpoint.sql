-- The webhook lane of the delivery worker asks, per endpoint, whether a call to it is under
-- way (one call at a time per endpoint) and pushes back the pending deliveries of an endpoint
-- that fails (back-off): both look deliveries up by endpoint, in a table that is never pruned.
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, status);
