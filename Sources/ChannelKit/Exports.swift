// Adapters read and write vendor JSON with the gateway's one JSON value; re-exported so a plugin needs one import.
@_exported public import GatewayJSON
