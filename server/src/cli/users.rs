//! `server user create`: the only way to make the first account (there is no default one);
//! `server user set-up-link` and `server user clear-second-step-lock`: the command line's
//! share of the second sign-in step (the first set-up's link, and clearing a lock).

use std::io::{BufRead, IsTerminal};

use app::{
    domain::{Email, Role},
    error::AppError,
    passwords::{check_new_password, hash_password},
    session,
    store::{begin_write, redact, users, users::CreateUserError, Db},
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
    if role == Role::Admin {
        // REQUIRE_MFA_FOR is admin by default: its first set-up needs a link
        println!(
            "If its role must sign in with two steps (REQUIRE_MFA_FOR), its first set-up starts \
             from a link: server user set-up-link --email {}",
            email.as_str()
        );
    }
    Ok(())
}

/// The account `email`, for a command on it.
async fn account(db: &Db, email: &str) -> Result<users::UserRow, String> {
    let email = Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    users::find_by_email(db, &email)
        .await
        .map_err(|e| format!("cannot read the account: {e}"))?
        .ok_or_else(|| format!("there is no account for {}", email.as_str()))
}

/// `server user set-up-link --email …`: print a fresh set-up link (`origin` is `PUBLIC_URL`).
pub async fn set_up_link(db: &Db, email: &str, origin: &str) -> Result<(), String> {
    let user = account(db, email).await?;
    if user.active_totp().is_some() {
        return Err(format!(
            "{} has two-step sign-in set up already",
            user.email
        ));
    }
    let fail = |e: AppError| format!("cannot issue the link: {e}");
    let mut tx = begin_write(db).await.map_err(|e| fail(e.into()))?;
    let path = session::issue_set_up_link(
        &mut tx,
        "server user set-up-link (command line)",
        user.id,
        &user.email,
    )
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    println!("{origin}{path}");
    Ok(())
}

/// `server user clear-second-step-lock --email …`.
pub async fn clear_second_step_lock(db: &Db, email: &str) -> Result<(), String> {
    let user = account(db, email).await?;
    let fail = |e: AppError| format!("cannot clear the lock: {e}");
    let mut tx = begin_write(db).await.map_err(|e| fail(e.into()))?;
    let was_locked = session::clear_lock(
        &mut tx,
        "server user clear-second-step-lock (command line)",
        user.id,
        &user.email,
    )
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    println!(
        "{}: second step {}.",
        user.email,
        if was_locked {
            "unlocked"
        } else {
            "was not locked; its count of wrong codes is cleared"
        }
    );
    Ok(())
}
