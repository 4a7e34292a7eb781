# Signing a machine's image and verifying it: with cloister and with the
# standard OpenSSL check, deterministic, and refused after any tampering,
# with another machine's certificate, or when the image is not the one
# that was built.

w=$(scratch)
mkdir -p "$w/machines/alpha" "$w/machines/beta" "$w/output/machines/alpha" "$w/output/machines/beta"
out_a="$w/output/machines/alpha"
img="$out_a/alpha.vmlinuz"
sig="$img.sig"
cs_dir="$w/machines/alpha/code-signing"
cert="$cs_dir/alpha.vmlinuz.certificate.pem"
key="$cs_dir/alpha.vmlinuz.key.pem"
head -c 300000 /dev/urandom > "$img"
head -c 200000 /dev/urandom > "$w/output/machines/beta/beta.vmlinuz"
c() { "$CLOISTER" "$@" --machines "$w/machines" --output "$w/output"; }
ossl_verify() { # SIG IMAGE CERT
	openssl cms -verify -binary -inform DER -in "$1" -content "$2" -CAfile "$3" -purpose any -out /dev/null 2>&1
}
flip() { # FILE OFFSET: xor one byte with 0x01
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((_b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

out=$(c sign alpha 2>&1)
expect "cloister sign signs a machine's image" "0" "$?"
expect_match "...and says it made a new key pair" "*generated a new key pair*" "$out"
expect "the key is readable by its owner only" "600" "$(stat -c %a "$key")"
expect "the code-signing folder is private" "700" "$(stat -c %a "$cs_dir")"
expect_match "the certificate is for code signing" "*Code Signing*" "$(openssl x509 -in "$cert" -noout -ext extendedKeyUsage 2>&1)"
expect_match "the certificate allows digital signatures" "*Digital Signature*" "$(openssl x509 -in "$cert" -noout -ext keyUsage 2>&1)"
expect_match "the key is RSA 3072" "*3072 bit*" "$(openssl pkey -in "$key" -noout -text 2>&1 | head -n 1)"
expect "no key in the output folder" "" "$(grep -rl 'PRIVATE KEY' "$w/output")"
expect "the .sha256 is sha256sum's format" "alpha.vmlinuz: OK" "$(cd "$out_a" && sha256sum -c alpha.vmlinuz.sha256 2>&1)"

out=$(ossl_verify "$sig" "$img" "$cert")
expect "openssl cms -verify -purpose any accepts the signature" "0" "$?"
expect_match "...and says so" "*Verification successful*" "$out"
out=$(c verify alpha 2>&1)
expect "cloister verify MACHINE accepts it" "0" "$?"
(cd "$w" && "$CLOISTER" verify alpha --machines machines -q)
expect "the products are looked for in ./output by default" "0" "$?"
expect_match "...naming the image and its digest" "*alpha.vmlinuz: signature good*sha256 $(cut -c1-64 "$img.sha256")*" "$out"
expect_match "the signature is DER CMS SignedData, without signed attributes" "*pkcs7-signedData*" \
	"$(openssl asn1parse -inform DER -in "$sig" 2>&1 | head -n 3)"
expect "...with no signing time in it" "" "$(openssl asn1parse -inform DER -in "$sig" 2>&1 | grep -i signingTime)"

cp "$sig" "$w/sig.1"
c sign alpha -q
expect "two signatures of the same image are byte-identical" "0" "$(cmp -s "$sig" "$w/sig.1"; echo $?)"
openssl cms -sign -binary -noattr -md sha256 -in "$img" -signer "$cert" -inkey "$key" -outform DER -out "$w/ossl.sig" 2>/dev/null
expect "...and identical to openssl cms -sign -binary -noattr -md sha256" "0" "$(cmp -s "$sig" "$w/ossl.sig"; echo $?)"
expect "signing again keeps the key pair" "600" "$(stat -c %a "$key")"

# one flipped byte of the image
size=$(stat -c %s "$img")
for at in 0 $((size / 2)) $((size - 1)); do
	cp "$img" "$w/img.orig"
	flip "$img" "$at"
	out=$(c verify alpha 2>&1)
	expect "a flipped image byte at $at fails cloister verify (exit 1)" "1" "$?"
	ossl_verify "$sig" "$img" "$cert" >/dev/null
	expect "...and fails openssl cms -verify" "4" "$?"
	cp "$w/img.orig" "$img"
done
expect_match "...with the reason" "*does not verify*" "$out"
# one flipped byte of the signature: early, middle (the certificate it carries), last (the RSA value)
ssize=$(stat -c %s "$sig")
for at in 30 $((ssize / 2)) $((ssize - 1)); do
	cp "$w/sig.1" "$sig"
	flip "$sig" "$at"
	c verify alpha -q 2>/dev/null
	expect "a flipped signature byte at $at fails cloister verify (exit 1)" "1" "$?"
	ossl_verify "$sig" "$img" "$cert" >/dev/null
	expect_match "...and fails openssl cms -verify" "[1-9]" "$?"
done
cp "$w/sig.1" "$sig"
c verify alpha -q
expect "the restored signature verifies again" "0" "$?"

# another machine's certificate, and another machine's signature
c sign beta -q
cert_b="$w/machines/beta/code-signing/beta.vmlinuz.certificate.pem"
key_b="$w/machines/beta/code-signing/beta.vmlinuz.key.pem"
out=$(c verify alpha --cert "$cert_b" 2>&1)
expect "another machine's certificate fails cloister verify (exit 1)" "1" "$?"
ossl_verify "$sig" "$img" "$cert_b" >/dev/null
expect "...and fails openssl cms -verify" "4" "$?"
openssl cms -sign -binary -noattr -md sha256 -in "$img" -signer "$cert_b" -inkey "$key_b" -outform DER -out "$sig" 2>/dev/null
out=$(c verify alpha 2>&1)
expect "a valid signature by another machine's key fails (exit 1)" "1" "$?"
cp "$w/sig.1" "$sig"

# a validly signed image that is not the one the build recorded
cp "$img.sha256" "$w/sum.1"
head -c 1000 /dev/urandom > "$img"
c sign alpha -q
out=$(c verify alpha --sha256 "$(cut -c1-64 "$w/sum.1")" 2>&1)
expect "a signed image with another digest than the recorded one fails (exit 1)" "1" "$?"
expect_match "...and says it is not the one built" "*not the one that was built*" "$out"
expect "...though openssl alone accepts its signature" "0" "$(ossl_verify "$sig" "$img" "$cert" >/dev/null; echo $?)"
cp "$w/sum.1" "$img.sha256"
c verify alpha -q 2>/dev/null
expect "a .sha256 that does not match the image fails (exit 1)" "1" "$?"
echo "not a digest" > "$img.sha256"
out=$(c verify alpha 2>&1)
expect "a malformed .sha256 fails (exit 1)..." "1" "$?"
expect_match "...naming its file and line" "*alpha.vmlinuz.sha256:1: expected 'SHA256  alpha.vmlinuz'*" "$out"
rm "$img.sig"
c sign alpha -q
rm "$img.sig"
c verify alpha -q 2>/dev/null
expect "a missing signature fails (exit 1)" "1" "$?"

# bad usage and bad input
c verify nosuch -q 2>/dev/null
expect "verify of an unknown machine is bad usage (exit 2)" "2" "$?"
c verify alpha --sha256 abc 2>/dev/null
expect "a malformed --sha256 is bad usage (exit 2)" "2" "$?"
c verify alpha --cert "$w/none.pem" 2>/dev/null
expect "a missing certificate is bad usage (exit 2)" "2" "$?"
mv "$cert" "$w/cert.saved"
out=$(c sign alpha 2>&1)
expect "a key without its certificate is refused, not replaced (exit 2)" "2" "$?"
expect_match "...saying so" "*exists without*" "$out"
expect "...and the key is still there" "600" "$(stat -c %a "$key")"
mv "$w/cert.saved" "$cert"
"$CLOISTER" verify --store "$(scratch)" -q
expect "cloister verify without a machine still checks the store" "0" "$?"
"$CLOISTER" verify --sha256 "$(cut -c1-64 "$w/sum.1")" 2>/dev/null
expect "...and image options without a machine are bad usage (exit 2)" "2" "$?"
