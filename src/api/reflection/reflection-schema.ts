import { create, createFileRegistry, type DescFile, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { memberSymbols } from "./member-symbols.js";
import { withImports } from "./with-imports.js";

/** A lookup that found nothing, saying what it looked for (becomes NOT_FOUND). */
export type NotFound = { readonly notFound: string };

/** The serialized FileDescriptorProtos of a file, first, and of everything it imports. */
export type FileClosure = { readonly files: readonly Uint8Array[] };

/**
 * Everything reflection answers from: the described files in one protobuf-es
 * file registry, with each file's closure serialized once, since clients ask
 * for the same few files over and over.
 */
export interface ReflectionSchema {
  /** Fully-qualified names of the services of the described files, in file order. */
  readonly services: readonly string[];
  fileByFilename(name: string): FileClosure | NotFound;
  fileContainingSymbol(symbol: string): FileClosure | NotFound;
  fileContainingExtension(extendee: string, number: number): FileClosure | NotFound;
  extensionNumbers(extendee: string): { readonly numbers: readonly number[] } | NotFound;
}

/** Builds the reflection schema of the given files (their imports are described too). */
export function createReflectionSchema(files: readonly DescFile[]): ReflectionSchema {
  const registry = createFileRegistry(
    create(FileDescriptorSetSchema, { file: withImports(files).map((file) => file.proto) }),
  );
  const members = memberSymbols(registry);
  const closures = new Map<string, FileClosure>();
  for (const file of registry.files) {
    const binaries = withImports([file])
      .reverse()
      .map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
    closures.set(file.proto.name, { files: binaries });
  }
  const closure = (file: DescFile): FileClosure => closures.get(file.proto.name)!;
  const services = new Set(files.flatMap((file) => file.services.map((s) => s.typeName)));
  const extendee = (name: string): DescMessage | NotFound =>
    registry.getMessage(name) ?? { notFound: `message type not found: ${name}` };

  return {
    services: [...services],
    fileByFilename(name) {
      const file = registry.getFile(name);
      return file ? closure(file) : { notFound: `file not found: ${name}` };
    },
    fileContainingSymbol(symbol) {
      const file = registry.get(symbol)?.file ?? members.get(symbol);
      return file ? closure(file) : { notFound: `symbol not found: ${symbol}` };
    },
    fileContainingExtension(name, number) {
      const message = extendee(name);
      if ("notFound" in message) return message;
      const extension = registry.getExtensionFor(message, number);
      return extension
        ? closure(extension.file)
        : { notFound: `extension not found: ${number} of message type ${name}` };
    },
    extensionNumbers(name) {
      const message = extendee(name);
      if ("notFound" in message) return message;
      const numbers: number[] = [];
      for (const type of registry) {
        if (type.kind === "extension" && type.extendee.typeName === name) numbers.push(type.number);
      }
      return { numbers };
    },
  };
}
