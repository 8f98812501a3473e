#!/usr/bin/env python3
"""What a sync stored, one line per message in a stable order: folder,
UID, flags, keywords, subject, Message-ID, size and the SHA-256 of the raw
body ("no-body" when none). Two stores of the same mail dump the same.

  store_dump.py STORE.db
"""
import hashlib
import sqlite3
import sys

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute("""
    select f.name, m.uid, m.flags, coalesce(m.keywords, ''), coalesce(m.subject, ''),
           m.message_id, m.size, b.raw
    from message m join folder f on f.id = m.folder_id
    left join body b on b.message_id = m.id
    order by f.name, m.uid"""):
    raw = row[7]
    print(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
          hashlib.sha256(raw).hexdigest() if raw is not None else "no-body")
