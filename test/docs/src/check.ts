// Type-checks the generated modules with the TypeScript compiler API and maps every diagnostic back
// to the markdown file and line it came from.
import path from 'node:path'
import ts from 'typescript'
import {
  collectBlocks,
  GENERATED_DIR,
  HEADER_LINES,
  PRELUDE,
  REPO_ROOT,
  writeModules,
  type CheckedBlock,
  type CodeBlock,
} from './extract'

export interface DocDiagnostic {
  /** The markdown file (for a block) or the source file, relative to the repository root. */
  file: string
  /** 1-based line and column in that file; 0 when the diagnostic has no position. */
  line: number
  column: number
  code: number
  message: string
}

export interface DocCheckResult {
  /** Every fenced block of every doc file, checked or not. */
  blocks: CodeBlock[]
  /** The blocks marked `ts check`, each with its generated module. */
  checked: CheckedBlock[]
  diagnostics: DocDiagnostic[]
}

/**
 * Extracts the `ts check` blocks of the doc files (or checks the `blocks` given), writes them out and
 * type-checks them.
 */
export function checkDocs({
  root = REPO_ROOT,
  outDir = GENERATED_DIR,
  blocks = collectBlocks(root),
}: { root?: string; outDir?: string; blocks?: CodeBlock[] } = {}): DocCheckResult {
  const { checked, tsconfig } = writeModules(blocks, { root, outDir })
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (!parsed) throw new Error(`cannot read ${tsconfig}`)
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })

  const byModule = new Map(checked.map((block) => [path.resolve(block.module), block]))
  // Only the blocks and the prelude are checked here: the packages' sources have their own typecheck.
  const own = program
    .getSourceFiles()
    .filter((file) => byModule.has(path.resolve(file.fileName)) || path.resolve(file.fileName) === PRELUDE)
  const raw = [
    ...parsed.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...own.flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]),
  ]
  const diagnostics = raw.map((diagnostic) => locate(diagnostic, byModule, root))
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
  return { blocks, checked, diagnostics }
}

function locate(diagnostic: ts.Diagnostic, byModule: Map<string, CheckedBlock>, root: string): DocDiagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  const { file, start } = diagnostic
  if (!file || start === undefined) return { file: '', line: 0, column: 0, code: diagnostic.code, message }
  const position = file.getLineAndCharacterOfPosition(start)
  const block = byModule.get(path.resolve(file.fileName))
  if (block) {
    // Code line i (0-based) of the block is markdown line fenceLine + 1 + i.
    const codeLine = position.line - HEADER_LINES
    const inBlock = codeLine >= 0 && codeLine < block.lines.length
    return {
      file: block.file,
      line: inBlock ? block.fenceLine + 1 + codeLine : block.fenceLine,
      column: inBlock ? position.character + 1 : 0,
      code: diagnostic.code,
      message,
    }
  }
  return {
    file: path.relative(root, file.fileName).split(path.sep).join('/'),
    line: position.line + 1,
    column: position.character + 1,
    code: diagnostic.code,
    message,
  }
}

/** `file:line:column TS1234 message`, the way editors and CI logs link it. */
export function formatDiagnostic({ file, line, column, code, message }: DocDiagnostic): string {
  const where = file ? `${file}:${line}${column ? `:${column}` : ''}` : '(config)'
  return `${where} TS${code} ${message}`
}
