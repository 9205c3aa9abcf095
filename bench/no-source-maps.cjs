// Preloaded by program.bench.ts for its second figure: stack traces without source-map translation.
process.setSourceMapsEnabled(false);
