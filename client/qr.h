/*
 * A fingerprint as a QR code in text, for the command line
 * (--secret-fingerprint) and the TUI (/verify) alike: two modules per
 * text row with the half blocks U+2580, U+2584 and U+2588 and a quiet
 * zone of 2, light modules drawn as blocks so that it reads on a dark
 * terminal.
 */
#ifndef SOTTO_QR_H
#define SOTTO_QR_H

typedef void qr_row_fn(void *ud, const char *row);

/*
 * Encodes the hex digits of hex (spaces are left out) and calls
 * row(ud, text) for each text row, top to bottom (text borrowed for the
 * call). Returns 0, ERR_NOMEM, or ERR_UNKNOWN_METHOD when the program was
 * built without libqrencode (row never runs then).
 */
int qr_fingerprint(const char *hex, qr_row_fn *row, void *ud);

#endif
