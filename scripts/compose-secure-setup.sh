#!/bin/sh
# Makes what docker-compose.secure.yml mounts into the brokers, in ${JOSEF_SECURE_DIR:-config/secure}
# (gitignored): a CA and a broker certificate naming broker-1..3 and localhost (openssl), random
# passwords for the `admin` and `broker` users (users.env, read by the scram-users service), the
# brokers' server.properties (SASL_SSL with SCRAM-SHA-256 on both listeners, the authorizer on with
# admin and broker as super users), and client properties in librdkafka's names: client.properties
# for the host (kcat -F, josef --command-config) and client-internal.properties for containers.
# The files are readable by every local user, since the containers run as another uid: a setup for
# learning on one machine, not for production. Run it again with --force for new ones.
set -eu
dir=${JOSEF_SECURE_DIR:-config/secure}
if [ -f "$dir/server.properties" ] && [ "${1:-}" != "--force" ]; then
  echo "$dir already holds a setup (use --force to make a new one)"
  exit 0
fi
mkdir -p "$dir"
cd "$dir"
days=365
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj /CN=josef-compose-ca -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /O=josef/CN=josef-broker -keyout broker.key -out broker.csr 2>/dev/null
echo 'subjectAltName=DNS:broker-1,DNS:broker-2,DNS:broker-3,DNS:localhost,IP:127.0.0.1' > broker.ext
openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" -extfile broker.ext -out broker.pem 2>/dev/null
cat broker.key broker.pem > broker-keystore.pem
password() { openssl rand -base64 18 | tr -d '/+='; }
admin_password=$(password)
broker_password=$(password)
printf 'ADMIN_PASSWORD=%s\nBROKER_PASSWORD=%s\n' "$admin_password" "$broker_password" > users.env
mounted=/etc/josef/secure
cat > server.properties <<PROPERTIES
sasl.enabled.mechanisms=SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.internal.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker_password";
ssl.keystore.location=$mounted/broker-keystore.pem
ssl.truststore.location=$mounted/ca.pem
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:admin;User:broker
allow.everyone.if.no.acl.found=false
PROPERTIES
client() {
  printf 'bootstrap.servers=%s\nsecurity.protocol=SASL_SSL\nsasl.mechanisms=SCRAM-SHA-256\nsasl.username=admin\nsasl.password=%s\nssl.ca.location=%s\n' "$1" "$admin_password" "$2"
}
client localhost:9092,localhost:9093,localhost:9094 "$(pwd)/ca.pem" > client.properties
client broker-1:19092,broker-2:19092,broker-3:19092 "$mounted/ca.pem" > client-internal.properties
chmod 644 ./*
echo "made $dir: kcat -F $dir/client.properties -L once the brokers are up"
