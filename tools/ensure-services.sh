#!/usr/bin/env bash
# Makes sure what Roster's tests and quick start need is installed and running on this machine (Debian, root):
# PostgreSQL on 127.0.0.1:5432 (trust), nats-server with JetStream on 127.0.0.1:4222, OpenSSH sshd (SFTP),
# chromium (the admin console's browser tests).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { echo "[setup] $*"; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { log "apt-get install $* failed"; return 1; }
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ -x /usr/sbin/sshd ] || { log "installing openssh-server"; apt_install openssh-server; }
# Debian's chromium for the admin console's browser tests (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || { log "installing chromium"; apt_install chromium; }
[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 || { log "installing nats-server"; apt_install nats-server; }
if ! port_open 4222; then
  log "starting nats-server (JetStream) on 127.0.0.1:4222"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server || echo /usr/sbin/nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null 2>&1 || { log "installing postgresql"; apt_install postgresql; }
  log "starting postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 60); do port_open 5432 && port_open 4222 && exit 0; sleep 1; done
log "PostgreSQL (5432) or NATS (4222) did not come up"; exit 1
