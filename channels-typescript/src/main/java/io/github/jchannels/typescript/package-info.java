/**
 * TypeScript from the Java event families: {@link TypeScriptGenerator}
 * and its command line, {@link GenerateTypeScript}.
 */
@NullMarked
package io.github.jchannels.typescript;

import org.jspecify.annotations.NullMarked;
