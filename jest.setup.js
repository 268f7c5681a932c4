// The SDK warns on Node 20 about releases after January 2027; the pinned versions here run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
