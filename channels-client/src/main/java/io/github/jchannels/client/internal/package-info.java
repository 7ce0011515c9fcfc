/** Implementation of the client; not API, may change without notice. */
@NullMarked
package io.github.jchannels.client.internal;

import org.jspecify.annotations.NullMarked;
