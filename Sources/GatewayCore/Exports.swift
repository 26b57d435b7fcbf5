// The store's values (requests, statuses, states, lanes, clocks) are part of the core's API: the pipeline passes
// them through, and gatewayd and the tests name them. Re-exported, as ChannelKit re-exports GatewayJSON.
@_exported public import GatewayStore
