mailutils:
  pkg.purged

