/** Channel that announces stored quotes; the payload is small JSON, the quotes are read from the table. */
export const QUOTE_CHANNEL = "quotegraph_quote_added";

/**
 * Channel that announces a commit which changed assets (tracked or not, names, ranks); the payload
 * is the CMC id. Sent by the writing statement itself, so only a change that commits is announced.
 */
export const ASSET_CHANNEL = "quotegraph_asset_changed";
