/* Sealing a drill's old tokens for the state file: see probe_seal.h. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "probe_seal.h"

#define SALT_LEN 16
#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
/* The secrets may include a password: make each guess cost something,
 * while a save or load still takes milliseconds (a check's -t is short). */
#define KDF_ROUNDS 20000

static int derive(const void *secret, size_t slen, const unsigned char *salt,
                  unsigned char key[KEY_LEN])
{
	if (!slen || slen > 1u << 20)
		return -1;
	return PKCS5_PBKDF2_HMAC(secret, (int)slen, salt, SALT_LEN, KDF_ROUNDS, EVP_sha256(), KEY_LEN,
	                         key) == 1 ? 0 : -1;
}

/* Run AES-256-GCM over in (n bytes) into out: encrypt (tag written) or
 * decrypt (tag checked). 0, or -1. */
static int gcm(int encrypt, const unsigned char *key, const unsigned char *nonce,
               const char *context, const unsigned char *in, size_t n, unsigned char *out,
               unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, rc = -1;

	if (!c || n > 1u << 24 ||
	    EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, encrypt) != 1 ||
	    EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)context, (int)strlen(context)) != 1 ||
	    (n && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1))
		goto out;
	if (!encrypt && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out + (n ? (size_t)len : 0), &len) != 1)
		goto out;
	if (encrypt && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int rm_probe_seal(const void *secret, size_t slen, const char *context, const void *plain,
                  size_t len, struct rm_buf *out)
{
	unsigned char key[KEY_LEN], *salt, *nonce, *body;
	size_t at = out->len;
	int rc = -1;

	if (rm_buf_reserve(out, SALT_LEN + NONCE_LEN + len + TAG_LEN) < 0)
		return -1;
	salt = (unsigned char *)out->data + at;
	nonce = salt + SALT_LEN;
	body = nonce + NONCE_LEN;
	if (RAND_bytes(salt, SALT_LEN + NONCE_LEN) != 1 || derive(secret, slen, salt, key) < 0)
		goto out;
	if (gcm(1, key, nonce, context, plain, len, body, body + len) < 0)
		goto out;
	out->len = at + SALT_LEN + NONCE_LEN + len + TAG_LEN;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

int rm_probe_unseal(const void *secret, size_t slen, const char *context, const void *sealed,
                    size_t len, struct rm_buf *plain)
{
	const unsigned char *salt = sealed, *nonce, *body;
	unsigned char key[KEY_LEN], tag[TAG_LEN];
	size_t n;
	int rc = -1;

	if (len < SALT_LEN + NONCE_LEN + TAG_LEN)
		return -1;
	n = len - SALT_LEN - NONCE_LEN - TAG_LEN;
	nonce = salt + SALT_LEN;
	body = nonce + NONCE_LEN;
	memcpy(tag, body + n, TAG_LEN);
	/* Room for the plain bytes first: no realloc leaves a copy behind. */
	if (rm_buf_reserve(plain, n + 1) < 0 || derive(secret, slen, salt, key) < 0)
		goto out;
	if (gcm(0, key, nonce, context, body, n, (unsigned char *)plain->data + plain->len, tag) < 0) {
		OPENSSL_cleanse(plain->data + plain->len, n);
		goto out;
	}
	plain->len += n;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}
