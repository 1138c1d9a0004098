//! `server user create`: the only way to make the first account (there is no default one).

use std::io::{BufRead, IsTerminal};

use app::{
    domain::{Email, Role},
    error::AppError,
    passwords::{check_new_password, hash_password},
    store::{redact, users, users::CreateUserError, Db},
    write::{write, Written},
};

/// Read the new password: prompted twice without echo on a terminal, else one line of stdin.
fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("Repeat password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("the two passwords differ; nothing was created".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

/// Who the audit trail says made an account here.
const ACTOR: &str = "server user create (command line)";

pub async fn create(database_url: &str, email: &str, role: &str) -> Result<(), String> {
    let email = Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let role = Role::parse(role).map_err(|e| format!("--role: {e}"))?;
    let password = read_password()?;
    check_new_password(&password, &email).map_err(|e| format!("password refused: {e}"))?;
    let db = Db::connect(database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(database_url)))?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate database {}: {e}", redact(database_url)))?;
    let hash = hash_password(password).await.map_err(|e| e.to_string())?;
    let created = write(&db, ACTOR, async |tx| {
        match users::insert_user(tx, &email, role, &hash).await {
            Ok(_) => Ok(Written::done(true, users::created_entry(&email, role))),
            Err(CreateUserError::EmailTaken) => Ok(Written::Done {
                value: false,
                audit: Vec::new(),
            }),
            Err(CreateUserError::Store(e)) => Err(AppError::from(e)),
        }
    })
    .await
    .map_err(|e| format!("cannot create the account: {e}"))?;
    if !created {
        return Err(format!("an account for {} already exists", email.as_str()));
    }
    println!(
        "Created {} account for {}.",
        role.label().to_lowercase(),
        email.as_str()
    );
    Ok(())
}
