/**
 * The custom elements manifest (`npm run manifest`) and the element types generated from it for
 * JSX (React 19, Preact, Solid), Vue and Svelte, written to `dist/types/`. Events are the ones each
 * element's JSDoc declares with `@fires {Type} name - description`; the analyzer's guesses from
 * `dispatchEvent` calls (it names them after the first constructor argument) are dropped. Type
 * aliases (`Quality`, …) are expanded into `parsedType`, so a typo in an attribute value is an
 * error in every framework; module paths name the shipped JavaScript, not the TypeScript sources.
 */

import { readFileSync, writeFileSync } from 'node:fs';
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
    {
      name: 'registered-elements-only',
      // The analyzer marks every LitElement subclass a custom element; a base class with no tag
      // (LocalizedElement) is not one, and the type generators would import it (and its module's
      // other exports) from the elements' entry, which does not export them.
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (declaration.customElement && !declaration.tagName) delete declaration.customElement;
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
    {
      name: 'framework-type-fixes',
      // The Vue and Svelte generators (custom-element-*-integration 1.x) assume events are
      // CustomEvents and predate Vue 3.5's and Svelte 5's checkers; without these fixes a listener's
      // event is mistyped, and Svelte checks nothing at all. The example apps' checks catch a
      // generator change that breaks them.
      packageLinkPhase() {
        // The JSX generator types each event with its class but imports only the elements: under
        // `skipLibCheck: false` every event class is an unknown name.
        rewrite(`${typesDir}/jsx.d.ts`, (text) => {
          const [imports] = text.match(/^import type \{[^}]*\}/) ?? [''];
          const used = [...new Set(text.match(/\bAvatar\w*Event\b/g) ?? [])];
          const missing = used.filter((name) => !new RegExp(`\\b${name}\\b`).test(imports));
          return missing.length === 0
            ? text
            : text.replace(/^import type \{/, `import type {\n  ${missing.join(',\n  ')},`);
        });
        rewrite(`${typesDir}/vue.d.ts`, (text) =>
          text
            // vue-tsc reads `@avatar-ready` as the prop `onAvatarReady`.
            .replace(
              /"on(avatar-[a-z-]+)"\?:\s*\(\s*e:\s*CustomEvent<(\w+)>\s*\)\s*=>\s*void;/g,
              (_, name, type) => `${camelCase(`on-${name}`)}?: (event: ${type}) => void;`,
            )
            // …and reads `token-url="…"` as the prop `tokenUrl`.
            .replace(/"([a-z]+(?:-[a-z]+)+)"\?:/g, (_, name) => `${camelCase(name)}?:`)
            // id, class, style, aria-* and the rest of HTML's attributes.
            .replace(
              'import type { DefineComponent } from "vue";',
              'import type { DefineComponent, HTMLAttributes } from "vue";',
            )
            .replace(/DefineComponent<(\w+)Props>/g, 'DefineComponent<$1Props & HTMLAttributes>'),
        );
        rewrite(`${typesDir}/svelte.d.ts`, (text) =>
          text
            // Svelte 5 listens with `onavatar-ready={…}`; `on:` is Svelte 4's directive.
            .replace(
              /"on:(avatar-[a-z-]+)"\?:\s*\(\s*e:\s*CustomEvent<(\w+)>\s*\)\s*=>\s*void;/g,
              '"on$1"?: (event: $2) => void;',
            )
            // Svelte's own attribute types instead of the generator's JSX-flavoured base props.
            .replace(/Partial<(\w+)Props & BaseProps & BaseEvents>/g, 'Partial<$1Props> & HTMLAttributes<$1>')
            .replace(
              /^import type \{/,
              'import type { HTMLAttributes } from "svelte/elements";\nimport type {',
            )
            .replace(/children\?: JSX\.Element;/, 'children?: unknown;')
            .replace(/style\?: JSX\.CSSProperties;/, 'style?: string;')
            // A module's `declare namespace` augments nothing; Svelte 5 reads svelte/elements.
            .replace(
              /declare namespace svelteHTML \{[\s\S]*?\{\}\s*\}/,
              'declare module "svelte/elements" {\n  interface SvelteHTMLElements extends CustomElements {}\n}',
            ),
        );
      },
    },
  ],
};

function rewrite(path, change) {
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

function camelCase(kebab) {
  return kebab.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
}
