# Before modules/stack each environment composed the modules itself: state
# written then moves into the stack instead of being destroyed and created
# again (which would take the database and the backup vault with it).

moved {
  from = module.notifications
  to   = module.stack.module.notifications
}

moved {
  from = module.network
  to   = module.stack.module.network
}

moved {
  from = module.ecs
  to   = module.stack.module.ecs
}

moved {
  from = module.web
  to   = module.stack.module.web
}

moved {
  from = module.database
  to   = module.stack.module.database
}

moved {
  from = module.orders_queue
  to   = module.stack.module.orders_queue
}

moved {
  from = module.backup
  to   = module.stack.module.backup
}

moved {
  from = module.automation
  to   = module.stack.module.automation
}

moved {
  from = module.backup_copy_vault
  to   = module.stack.module.backup_copy_vault[0]
}
