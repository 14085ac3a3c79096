/**
 * The custom elements manifest (`npm run manifest`) and the element types generated from it for
 * JSX (React 19, Preact, Solid), Vue and Svelte, written to `dist/types/`. Events are the ones each
 * element's JSDoc declares with `@fires {Type} name - description`; the analyzer's guesses from
 * `dispatchEvent` calls (it names them after the first constructor argument) are dropped. Type
 * aliases (`Quality`, …) are expanded into `parsedType`, so a typo in an attribute value is an
 * error in every framework; module paths name the shipped JavaScript, not the TypeScript sources.
 */
import { jsxTypesPlugin } from '@wc-toolkit/jsx-types';
import { modulePathResolverPlugin } from '@wc-toolkit/module-path-resolver';
import { getTsProgram, typeParserPlugin } from '@wc-toolkit/type-parser';
import { customElementSveltePlugin } from 'custom-element-svelte-integration';
import { customElementVuejsPlugin } from 'custom-element-vuejs-integration';

const typesDir = './dist/types';
/** The elements' classes and event types, from where `dist/types/` is. */
const elementTypes = '../components/index.js';

export default {
  globs: ['components/**/*.ts'],
  litelement: true,
  // package.json names the committed manifest itself; the staleness test's run into a temporary
  // folder must not repoint it.
  packagejson: false,
  overrideModuleCreation({ ts, globs }) {
    const program = getTsProgram(ts, globs, 'tsconfig.json');
    return program.getSourceFiles().filter((file) => globs.find((glob) => file.fileName.includes(glob)));
  },
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
    typeParserPlugin(),
    {
      name: 'public-api-only',
      // Private members are not the elements' API, and the type parser's expansion of their
      // complex types names internal symbols that change between runs; expanded types are kept
      // where they matter, on the fields attributes set.
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (!declaration.members) continue;
            declaration.members = declaration.members.filter(
              (member) => member.privacy !== 'private' && member.privacy !== 'protected',
            );
            for (const member of declaration.members) if (!member.attribute) delete member.parsedType;
          }
        }
      },
    },
    modulePathResolverPlugin({
      modulePathTemplate: (path) => `dist/${path.replace(/\.ts$/, '.js')}`,
    }),
    jsxTypesPlugin({
      outdir: typesDir,
      fileName: 'jsx.d.ts',
      globalTypePath: elementTypes,
      typesSrc: 'parsedType',
      stronglyTypedEvents: true,
    }),
    customElementVuejsPlugin({
      outdir: typesDir,
      fileName: 'vue.d.ts',
      globalTypePath: elementTypes,
      typesSrc: 'parsedType',
    }),
    customElementSveltePlugin({
      outdir: typesDir,
      fileName: 'svelte.d.ts',
      globalTypePath: elementTypes,
      typesSrc: 'parsedType',
    }),
  ],
};
