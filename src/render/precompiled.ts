/**
 * Every template under templates/, compiled ahead of time. Empty when kubestrap runs
 * from its sources (the templates are then compiled on first use); the build
 * (scripts/build.mjs) replaces this module in the bundle with the output of
 * Handlebars.precompile for each template, after the same safety check renderTemplate
 * makes, so the shipped CLI neither parses templates nor loads the Handlebars compiler.
 */
import type Handlebars from 'handlebars';

/** Handlebars.precompile output, keyed by the path under templates/. */
export const PRECOMPILED: Readonly<Record<string, Parameters<typeof Handlebars.template>[0]>> | undefined = undefined;
