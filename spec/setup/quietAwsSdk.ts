// The AWS SDK prints an 8-line NodeVersionSupportWarning the first time a client is built on Node
// < 22, once per jest worker and module registry. It is about the SDK's own support window, not
// about vaultly, so our test output leaves it out; users still see it in their apps. The SDK reads
// this variable when a client is constructed (@aws-sdk/core emitWarningIfUnsupportedVersion).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
