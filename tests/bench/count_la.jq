# count.py --shape la's counts, for jq -n -f count_la.jq FILE (Log Analytics rows)
reduce inputs as $r ({failures: 0, interactive: 0, records: 0, revoked: 0, signins: 0};
  .records += 1
  | if ($r.Type == "SigninLogs" or $r.Type == "AADNonInteractiveUserSignInLogs") then
      .signins += 1
      | (if $r.IsInteractive == true then .interactive += 1 else . end)
      | (($r.ResultType // "0") | tonumber) as $c
      | (if $c != 0 and ([50140, 50058, 50097] | index($c) | not) then .failures += 1 else . end)
      | (if ([50173, 50133, 50132] | index($c)) then .revoked += 1 else . end)
    else . end)
