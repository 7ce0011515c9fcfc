/**
 * TypeScript from the Java event families: {@link io.github.jchannels.typescript.TypeScriptGenerator}
 * and its command line, {@link io.github.jchannels.typescript.GenerateTypeScript}.
 */
@NullMarked
package io.github.jchannels.typescript;

import org.jspecify.annotations.NullMarked;
