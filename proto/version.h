/*
 * The wire protocol version. Bump it when a change to proto/sotto.proto or
 * to the framing in doc/PROTOCOL.md would break an older peer; a peer with
 * another version is refused with ERR_VERSION and a clear message.
 */
#ifndef SOTTO_PROTO_VERSION_H
#define SOTTO_PROTO_VERSION_H

#define SOTTO_PROTO_VERSION 1u

/* Noise prologue: binds the handshake to this protocol family. */
#define SOTTO_PROLOGUE "sotto/1"

#define SOTTO_DEFAULT_PORT 7433

/* Largest Noise message on the wire (2-byte length prefix). */
#define SOTTO_NOISE_MAX 65535u
/* Largest Frame plaintext: one Noise transport message less its tag. */
#define SOTTO_FRAME_MAX (SOTTO_NOISE_MAX - 16u)

#endif
