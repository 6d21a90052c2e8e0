// Collects the READMEs' runnable TypeScript blocks (info string `ts check`) and writes each one as a
// module of its own under .generated/, with a tsconfig that resolves @tokenguard/* to the sources.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** The repository root (this file is test/docs/src/extract.ts). */
export const REPO_ROOT = path.resolve(__dirname, '../../..')
/** The package directory, test/docs. */
export const PACKAGE_DIR = path.resolve(__dirname, '..')
/** Where the generated modules go (gitignored). */
export const GENERATED_DIR = path.join(PACKAGE_DIR, '.generated')
/** Global declarations of the few names a checked block may use without defining them. */
export const PRELUDE = path.join(PACKAGE_DIR, 'prelude.d.ts')

/** Lines put before each block's code in its generated module (diagnostics are shifted back by this). */
export const HEADER_LINES = 2

export interface CodeBlock {
  /** Markdown file, relative to the repository root, with `/` separators. */
  file: string
  /** 1-based line of the opening fence. */
  fenceLine: number
  /** Language: the info string's first word (`ts`, `sh`, …), '' when none. */
  lang: string
  /** The info string's other words (`check`, …). */
  flags: string[]
  /** The code, fence indentation removed, one entry per line. */
  lines: string[]
}

export interface CheckedBlock extends CodeBlock {
  /** Absolute path of the generated module. */
  module: string
}

const TS_LANGS = new Set(['ts', 'typescript'])
export const CHECK_FLAG = 'check'

export function isTypeScript(block: CodeBlock): boolean {
  return TS_LANGS.has(block.lang)
}

export function isChecked(block: CodeBlock): boolean {
  return isTypeScript(block) && block.flags.includes(CHECK_FLAG)
}

/**
 * The markdown files whose blocks are collected: the root README, the guides in docs/, every
 * package's README and docs, and every example's README. Paths are relative to `root`, sorted.
 */
export function docFiles(root: string = REPO_ROOT): string[] {
  const files: string[] = []
  const add = (relative: string) => {
    if (isFile(path.join(root, relative))) files.push(relative)
  }
  add('README.md')
  for (const dir of subdirectories(root, 'packages')) {
    add(`packages/${dir}/README.md`)
    for (const doc of markdownFiles(root, `packages/${dir}/docs`)) add(`packages/${dir}/docs/${doc}`)
    // One level of topic folders too (docs/profiles/<provider>.md).
    for (const topic of subdirectories(root, `packages/${dir}/docs`)) {
      for (const doc of markdownFiles(root, `packages/${dir}/docs/${topic}`))
        add(`packages/${dir}/docs/${topic}/${doc}`)
    }
  }
  for (const doc of markdownFiles(root, 'docs')) add(`docs/${doc}`)
  add('examples/README.md')
  for (const dir of subdirectories(root, 'examples')) add(`examples/${dir}/README.md`)
  return files.sort()
}

/**
 * The fenced code blocks of a markdown text (CommonMark fences: ``` or ~~~, at least three, indented
 * by at most three spaces, closed by a fence of the same character at least as long). Blocks nested in
 * lists or block quotes are not looked for: the docs keep runnable code at the top level.
 */
export function parseBlocks(markdown: string, file: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const lines = markdown.split(/\r?\n/)
  let open: { fence: string; indent: number; block: CodeBlock } | undefined
  lines.forEach((line, index) => {
    if (open) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)
      if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
        blocks.push(open.block)
        open = undefined
      } else {
        open.block.lines.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ''))
      }
      return
    }
    const start = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line)
    if (!start) return
    const [, indent, fence, info] = start as unknown as [string, string, string, string]
    if (fence[0] === '`' && info.includes('`')) return // not a fence: inline code
    const [lang = '', ...flags] = info.trim().split(/\s+/).filter(Boolean)
    open = { fence, indent: indent.length, block: { file, fenceLine: index + 1, lang, flags, lines: [] } }
  })
  if (open) throw new Error(`${file}:${open.block.fenceLine}: code block never closed`)
  return blocks
}

/** Every fenced block of every doc file. */
export function collectBlocks(root: string = REPO_ROOT): CodeBlock[] {
  return docFiles(root).flatMap((file) => {
    const blocks = parseBlocks(readFileSync(path.join(root, file), 'utf8'), file)
    for (const block of blocks) {
      if (block.flags.includes(CHECK_FLAG) && !isTypeScript(block)) {
        throw new Error(
          `${file}:${block.fenceLine}: only TypeScript blocks can be checked (\`${block.lang}\`)`,
        )
      }
    }
    return blocks
  })
}

/** The generated module's name: the markdown path and fence line, e.g. packages_express_README.md_L13.ts. */
export function moduleName(block: CodeBlock): string {
  return `${block.file.replace(/\//g, '_')}_L${block.fenceLine}.ts`
}

/** The generated module: a header, the block as written, and `export {}` so that it is a module of its own. */
export function moduleSource(block: CodeBlock): string {
  const header = [
    '/* eslint-disable */',
    `// Generated by test/docs/src/extract.ts from ${block.file}:${block.fenceLine}. Edit the markdown, not this file.`,
  ]
  if (header.length !== HEADER_LINES) throw new Error('HEADER_LINES is out of date')
  return [...header, ...block.lines, 'export {}', ''].join('\n')
}

/**
 * Writes one module per checked block, and a tsconfig.json over them and the prelude, into `outDir`
 * (emptied first). `tsc -p test/docs/.generated` then reproduces the check by hand.
 */
export function writeModules(
  blocks: CodeBlock[],
  { root = REPO_ROOT, outDir = GENERATED_DIR }: { root?: string; outDir?: string } = {},
): { checked: CheckedBlock[]; tsconfig: string } {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const checked = blocks.filter(isChecked).map((block) => {
    const module = path.join(outDir, moduleName(block))
    writeFileSync(module, moduleSource(block))
    return { ...block, module }
  })
  const relative = (target: string) => path.relative(outDir, target).split(path.sep).join('/')
  const tsconfig = path.join(outDir, 'tsconfig.json')
  const config = {
    // Strict, like the packages themselves; resolution as a bundler or a TypeScript-aware runner does
    // it, and workspace packages through their source export condition (tsconfig.base.json).
    extends: relative(path.join(root, 'tsconfig.base.json')),
    compilerOptions: {
      module: 'ESNext',
      moduleResolution: 'Bundler',
      noEmit: true,
      declaration: false,
      sourceMap: false,
      types: ['node', 'jest'],
    },
    files: [relative(PRELUDE), ...checked.map((block) => relative(block.module))],
  }
  writeFileSync(tsconfig, JSON.stringify(config, null, 2) + '\n')
  return { checked, tsconfig }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function subdirectories(root: string, dir: string): string[] {
  try {
    return readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
      .map((entry) => entry.name)
  } catch {
    return []
  }
}

function markdownFiles(root: string, dir: string): string[] {
  try {
    return readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
      .map((entry) => entry.name)
  } catch {
    return []
  }
}
