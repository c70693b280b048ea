#!/usr/bin/env bash
# Makes the PEM files of mutual TLS between checkpointd nodes and clients
# with the openssl CLI: a CA, and a node and a client certificate it signs
# (EC P-256 keys, unencrypted, mode 0600). For trying TLS out and for the
# tests; in production, use your own CA.
#
#   scripts/tls-certs.sh DIR [DAYS]   # DIR/{ca,node,client}.{pem,key}
#
# CAF checks no host names, so the names in the certificates are only
# labels: any certificate the CA signed is accepted, by nodes and clients.
set -euo pipefail

dir=${1:?usage: $0 DIR [DAYS]}
days=${2:-365}
mkdir -p "$dir"
cd "$dir"
umask 077

# quiet COMMAND...: runs COMMAND, showing what it says only if it fails.
quiet() {
  local said
  said=$("$@" 2>&1) || { echo "$said" >&2; return 1; }
}

# new_key_request NAME: NAME.key and a certificate request NAME.csr.
new_key_request() {
  quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=checkpoint $1"
}

new_key_request ca
quiet openssl x509 -req -in ca.csr -signkey ca.key -days "$days" \
  -out ca.pem -extfile <(printf 'basicConstraints=critical,CA:TRUE\n')
for name in node client; do
  new_key_request "$name"
  quiet openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days "$days" -out "$name.pem"
done
rm -f ./*.csr ca.srl
chmod 0644 ./*.pem
