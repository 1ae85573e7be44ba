# The same counts as count.py, for jq -n -f count.jq FILE
reduce inputs as $r ({failures: 0, interactive: 0, records: 0, revoked: 0, signins: 0};
  ($r.properties // $r) as $p
  | .records += 1
  | if ((($r.category // "") | endswith("SignInLogs")) or ($p.createdDateTime != null)) then
      .signins += 1
      | (if $p.isInteractive == true then .interactive += 1 else . end)
      | (($p.status.errorCode // 0)) as $c
      | (if $c != 0 and ([50140, 50058, 50097] | index($c) | not) then .failures += 1 else . end)
      | (if ([50173, 50133, 50132] | index($c)) then .revoked += 1 else . end)
    else . end)
