/**
 * The custom elements manifest (`npm run manifest`). Events are the ones each element's JSDoc
 * declares with `@fires {Type} name - description`; the analyzer's guesses from `dispatchEvent`
 * calls (it names them after the first constructor argument) are dropped.
 */
export default {
  globs: ['components/**/*.ts'],
  litelement: true,
  // package.json names the committed manifest itself; the staleness test's run into a temporary
  // folder must not repoint it.
  packagejson: false,
  plugins: [
    {
      name: 'declared-events-only',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (declaration.events)
              declaration.events = declaration.events.filter((event) => event.description);
          }
        }
      },
    },
  ],
};
