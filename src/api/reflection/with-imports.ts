import type { DescFile } from "@bufbuild/protobuf";

/**
 * The given files and everything they import, transitively, each once, every
 * file after its imports. That order is what `createFileRegistry` needs to
 * resolve imports from a FileDescriptorSet; reversed, it puts a requested file
 * first, which is how reflection servers answer.
 */
export function withImports(files: Iterable<DescFile>): DescFile[] {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    for (const dependency of file.dependencies) visit(dependency);
    ordered.push(file);
  };
  for (const file of files) visit(file);
  return ordered;
}
