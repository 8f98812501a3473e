# mbsync-rc.sh - sourced by the sync benchmarks: the reference's config.
#
# mbsync_rc DIR PORT CA: write DIR/rc, mbsync (isync) pulling every folder
# of alice's account over IMAPS at 127.0.0.1:PORT (the lab's certificate,
# CA) into the Maildir DIR/mail, the way users run it.
mbsync_rc() {
  local d=$1
  mkdir -p "$d/mail"
  cat >"$d/rc" <<EOT
IMAPAccount lab
Host localhost
Port $2
User alice
Pass alicepw
SSLType IMAPS
CertificateFile $3
SystemCertificates no

IMAPStore lab-far
Account lab

MaildirStore lab-near
Path $d/mail/
Inbox $d/mail/INBOX
SubFolders Verbatim

Channel lab
Far :lab-far:
Near :lab-near:
Patterns *
Create Near
Sync Pull
SyncState *
EOT
  chmod 600 "$d/rc"
}
