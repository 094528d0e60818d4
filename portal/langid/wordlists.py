"""Very frequent words per language, most frequent first (written for this project).

fastText is weak on one- and two-word inputs; a short list of the words people
type most often (function words, common verbs, adverbs, help-desk nouns) gives
the detector something solid to lean on. Ranks, not counts: ``detector`` turns
a rank into a Zipf-like frequency. Languages decided by their script alone
(zh, ja, ar, he, ...) need no list.
"""
from __future__ import annotations

FREQUENT_WORDS: dict[str, str] = {
    "en": """
the of and to a in is i you that it for was on are with as he be at by this have
from or one had not but what all were we when your can said there use an each
which she do how their if will up other about out many then them these so some
her would make like him into has two more go see no way could my than been who
its now did get come made may part over new after also just where most know
should here only very through back any good much before our those why because
does help while last well both same under never again since still another off
being without such need every something nothing anything everything always
often however really already together please thanks thank account password
sign email change cannot can't don't doesn't isn't won't i'm it's didn't
payment refund order delivery problem error working work works page find
question issue update using used want would shipping invoice login subscription
cancel reset support able yes hello hi happened today yesterday tomorrow people
years year time first between during against around until these though although
whether which whose whom better best little great right left long high small
large another important different following including number information per
day days hours week month
""",
    "es": """
de la que el en y a los se del las un por con no una su para es al lo como más
pero sus le ya o este sí porque esta entre cuando muy sin sobre también me
hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese
eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa
estos mucho quienes nada muchos cual poco ella estar estas algunas algo
nosotros mi mis tú te ti tu tus ellas nosotras vosotros os mío mía nuestro
nuestra vuestro esos esas estoy estás está estamos están esté fue era eres
soy somos son sea sido ser tiene tengo tienen tenemos había hacer hace puedo
puede pueden quiero necesito cómo cuándo dónde cuál por qué ahora después
siempre nunca también aquí allí hoy ayer mañana año años día días vez veces
cuenta contraseña correo electrónico cambiar pedido pago reembolso factura
ayuda problema error funciona no funciona iniciar sesión cancelar suscripción
gracias hola buenos buenas favor usted ustedes mismo misma cada otro todavía
entonces así bien mal mejor peor gran grande pequeño nuevo nueva primera
primero parte país gobierno mundo forma caso trabajo tiempo vida hombre mujer
según tras mientras aunque además dentro través sólo solo
""",
    "fr": """
de la le et les des en un du une que est pour qui dans a par plus pas au sur
ne se ce il sont avec ou son mais comme on elle je nous vous tu ils elles cette
ces été être avoir fait faire peut tout tous toutes aussi leur leurs sans sa ses
bien même ont était ainsi entre deux très après avant encore sous où depuis
donc alors quand si non oui y moi toi lui eux notre nos votre vos mon ma mes
ton ta tes dont quoi chez vers contre pendant selon car lors cela ça ceci celui
celle ceux rien jamais toujours déjà ici là aujourd'hui hier demain année ans
jour jours fois autre autres chaque quelque quelques plusieurs beaucoup peu
trop moins assez avez avons suis es sommes êtes étaient serait sera seront
pourquoi comment combien quel quelle quels quelles puis veux voudrais peux
dois doit faut besoin compte mot passe courriel adresse modifier changer
commande paiement remboursement facture aide problème erreur fonctionne
connexion connecter annuler abonnement merci bonjour bonsoir s'il plaît
madame monsieur nouveau nouvelle premier première grand grande petit petite
temps monde pays gouvernement vie homme femme travail cas partie place
""",
    "de": """
der die und in den von zu das mit sich des auf für ist im dem nicht ein eine
als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch
wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man
sein wurde sei ich du wir ihr mein meine dein deine sein seine unser unsere
euer ihre ihren ihrem ihres diese dieser dieses diesen diesem jede jeder jedes
kann können muss müssen soll sollte will wollen möchte habe hast hatte hatten
bin bist seid waren wäre würde worden gibt geht ging kein keine keinen nichts
etwas alles alle viel viele sehr schon immer wieder hier dort heute gestern
morgen jetzt dann wenn weil ob also doch denn ja nein bitte danke hallo warum
wieso wie was wer wo wann welche welcher welches zwischen unter gegen ohne
während seit damit dabei dazu darauf daher dafür deshalb trotzdem jahr jahre
jahren zeit tag tage mal konto passwort kennwort anmelden abmelden ändern
bestellung zahlung rückerstattung rechnung hilfe problem fehler funktioniert
geht nicht kündigen abonnement zurücksetzen neue neuen neuer großen großen
kleine ersten letzten menschen land stadt regierung welt leben mann frau
arbeit teil ende anderen andere weitere beim vom ins ihm ihn uns euch mir dir
""",
    "pt": """
de a o que e do da em um para é com não uma os no se na por mais as dos como
mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também
só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me
esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos
elas havia seja qual será nós tenho lhe deles essas esses pelas este fosse
dele tu te vocês vos lhes meus minhas teu tua teus tuas nosso nossa nossos
nossas dela delas esta estes estas aquele aquela aqueles aquelas isto aquilo
estou estamos estava estavam estive esteve fazer faz fez pode podem posso
quero preciso porque por que porquê como onde quando qual quais agora hoje
ontem amanhã sempre nunca aqui ali lá ainda então assim bem mal melhor pior
ano anos dia dias vez vezes conta senha e-mail alterar mudar pedido pagamento
reembolso fatura ajuda problema erro funciona não funciona entrar sair
cancelar assinatura obrigado obrigada olá oi bom dia boa tarde por favor
senhor senhora cada outro outra outros outras todo toda todos todas grande
pequeno novo nova primeiro primeira governo mundo país forma caso trabalho
tempo vida homem mulher parte coisa coisas gente qualquer além durante sobre
""",
    "it": """
di e il la che in a per è un del non una le si i con da sono al dei della alla
lo come più ma anche delle nel gli ha questo se nella o sul ci ne mi ti vi
suo sua suoi sue loro mio mia miei mie tuo tua nostro nostra vostro questa
questi queste quello quella quelli quelle essere avere fatto fare può possono
posso voglio vorrei devo deve bisogno sto stato stata sei siamo siete era
erano sarà sarebbe ho hai abbiamo avete hanno aveva c'è ci sono dove quando
perché come cosa chi quale quanto quanti già ancora sempre mai qui lì oggi
ieri domani adesso ora poi dopo prima molto poco tutto tutti tutte niente
nulla qualcosa qualche ogni altro altra altri altre stesso stessa senza
durante tra fra sopra sotto contro verso presso secondo anno anni giorno
giorni volta volte account conto password cambiare modificare ordine
pagamento rimborso fattura aiuto problema errore funziona non funziona
accedere accesso disdire abbonamento annullare grazie ciao buongiorno
buonasera per favore signore signora grande piccolo nuovo nuova primo prima
governo mondo paese modo caso lavoro tempo vita uomo donna parte cose gente
degli negli sugli dagli dalla dallo dal nei sulla sullo col quindi però
""",
    "ru": """
и в не на я что он с как а то все она так его но да ты к у же вы за бы по
только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг
ли если уже или ни быть был него до вас нибудь опять уж вам ведь там потом
себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого
какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда
зачем всех никогда можно при наконец два об другой хоть после над больше тот
через эти нас про всего них какая много разве три эту моя впрочем хорошо свою
этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю
между это также очень который которые которая года год день время человек
людей жизнь работа страна мир помощь пароль аккаунт учетная запись почта
изменить заказ оплата возврат счет проблема ошибка работает не работает
войти выйти отменить подписка спасибо здравствуйте привет пожалуйста
""",
    "uk": """
і в не на я що він з як а то все вона так його але так ти до у же ви за б по
тільки її мені було ось від мене ще немає о із йому тепер коли навіть ну
раптом чи якщо вже або ні бути був нього до вас знову там потім себе нічого
їй може вони тут де є треба ній для ми тебе їх ніж була сам без ніби чого раз
теж собі під буде тоді хто цей того тому цього який зовсім ним тут цьому один
майже мій тим щоб неї зараз були куди навіщо всіх ніколи можна при нарешті
два про інший хоч після над більше той через ці нас усі усе всього них яка
багато хіба три цю моя свою цієї перед іноді краще трохи тому не можна такий
їм більш завжди звичайно всю між це також дуже який які яка року рік день час
людина людей життя робота країна світ допомога пароль обліковий запис пошта
змінити замовлення оплата повернення рахунок проблема помилка працює не
працює увійти вийти скасувати підписка дякую привіт будь ласка вітаю
""",
}
