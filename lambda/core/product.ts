/**
 * The product's name, as it appears where something outside must recognise us: the metrics' service,
 * the STS session, the Security Hub product field, the email subject and the EventBridge source.
 * Each of those keeps its own constant, set from this one.
 */
export const PRODUCT_NAME = 'ivschat-auditor';
